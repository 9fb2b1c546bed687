package pubsub_test

import (
	"context"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/pubsub"
	"github.com/nngbench/nngbench/impl/transport"
)

// TestSlowSubscriberDropsAreCounted fills a subscriber that does not read
// (tiny inbox and mangos queue), then reads everything: every message sent
// is either received or counted as dropped.
func TestSlowSubscriberDropsAreCounted(t *testing.T) {
	const sent = 5000
	pr := newPair(t, testkit.TCP.Addr(t), pubsub.PublisherConfig{},
		pubsub.SubscriberConfig{Buffer: 8, Transport: transport.Options{ReadQueue: 8}}, "load.")
	for i := range sent {
		if _, err := pr.pub.Publish("load.x", nil); err != nil {
			t.Fatalf("publish #%d: %v", i+1, err)
		}
	}
	// Losses after the last message received are invisible to gap
	// counting; a marker published once the subscriber reads exposes them.
	last := readUntilMarker(t, pr)
	testkit.Eventually(t, wait, func() bool {
		st := pr.sub.Stats()
		return st.Received+st.Dropped == last
	}, "received + dropped never reached %d: %+v", last, pr.sub.Stats())
	st := pr.sub.Stats()
	if st.Dropped == 0 || st.Reordered != 0 {
		t.Errorf("stats %+v: want drops from the slow subscriber and no reordering", st)
	}
	if got := stats(pr.reg, "sub").Dropped; got != st.Dropped {
		t.Errorf("socket metrics dropped %d, want %d", got, st.Dropped)
	}
	t.Logf("sent %d: received %d, dropped %d", last, st.Received, st.Dropped)
}

// readUntilMarker reads the backlog while publishing markers until one
// arrives, checking that sequence numbers only rise, and returns the
// sequence number of the last marker published.
func readUntilMarker(t *testing.T, pr pair) uint64 {
	t.Helper()
	var prev uint64
	for attempt := 0; attempt < 40; attempt++ {
		m, err := pr.pub.Publish("load.x", nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
		for prev < m.Seq {
			e, err := pr.sub.Recv(ctx)
			if err != nil {
				break // the marker was lost too: publish another
			}
			if e.Seq <= prev {
				t.Fatalf("seq %d after %d", e.Seq, prev)
			}
			prev = e.Seq
		}
		cancel()
		if prev >= m.Seq {
			return m.Seq
		}
	}
	t.Fatal("no marker arrived")
	return 0
}
