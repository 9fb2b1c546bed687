package conformance

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/pubsub"
	"github.com/nngbench/nngbench/impl/transport"
)

// pubsubN is how many messages VerifyPubSub publishes per topic.
const pubsubN = 200

// VerifyPubSub binds a publisher, connects two subscribers (to "config."
// and "metrics."), publishes pubsubN messages on each of two topics, and
// checks that each subscriber gets exactly its topic's messages, in order,
// with consecutive sequence numbers, intact data and nothing dropped.
func VerifyPubSub(t *testing.T, tr testkit.Transport) {
	listenOpts, dialOpts := tr.Options(t)
	// PUB drops what a subscriber's queue cannot hold; queues longer than a
	// burst make the burst lossless whatever the scheduling.
	listenOpts.WriteQueue = 4 * pubsubN
	dialOpts.ReadQueue = 4 * pubsubN
	reg := metrics.NewRegistry()

	pub, err := pubsub.NewPublisher(pubsub.PublisherConfig{Name: "conf-pub", Transport: listenOpts, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	addr, err := pub.Listen(tr.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	topics := []struct{ prefix, topic string }{{"config.", "config.update"}, {"metrics.", "metrics.cpu"}}
	subs := make([]*pubsub.Subscriber, len(topics))
	for i, tc := range topics {
		subs[i] = dialSubscriber(t, reg, fmt.Sprintf("conf-sub-%d", i), dialOpts, addr, tc.prefix)
	}
	// A subscriber that connects late misses messages: wait until the
	// publisher has both connections before publishing.
	testkit.Eventually(t, 10*time.Second, func() bool {
		st, _ := reg.Snapshot().Socket("conf-pub")
		return st.Connections == int64(len(subs))
	}, "publisher never saw %d subscribers", len(subs))

	for i := 1; i <= pubsubN; i++ {
		for _, tc := range topics {
			if _, err := pub.Publish(tc.topic, pubsubData(tc.topic, i)); err != nil {
				t.Fatalf("publish %s #%d: %v", tc.topic, i, err)
			}
		}
	}
	// An end marker per prefix: anything misrouted was sent before it, so
	// it shows up before the marker does.
	for _, tc := range topics {
		if _, err := pub.Publish(tc.prefix+"end", nil); err != nil {
			t.Fatal(err)
		}
	}
	for i, tc := range topics {
		t.Run(tc.prefix, func(t *testing.T) { checkSubscriber(t, subs[i], tc.topic, tc.prefix+"end") })
	}
}

func dialSubscriber(t *testing.T, reg *metrics.Registry, name string, opts transport.Options, addr, prefix string) *pubsub.Subscriber {
	t.Helper()
	s, err := pubsub.NewSubscriber(pubsub.SubscriberConfig{Name: name, Transport: opts, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Subscribe(prefix); err != nil {
		t.Fatal(err)
	}
	if err := s.Dial(addr); err != nil {
		t.Fatal(err)
	}
	return s
}

func checkSubscriber(t *testing.T, s *pubsub.Subscriber, topic, end string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want := 1
	for {
		e, err := s.Recv(ctx)
		if err != nil {
			t.Fatalf("after %d messages: %v", want-1, err)
		}
		if e.Endpoint == end {
			break
		}
		if e.Endpoint != topic || e.Type != envelope.Event || e.Sender != "conf-pub" {
			t.Fatalf("got %s %s from %q, want %s events from conf-pub", e.Type, e.Endpoint, e.Sender, topic)
		}
		if e.Seq != uint64(want) {
			t.Fatalf("got seq %d, want %d", e.Seq, want)
		}
		if !bytes.Equal(e.Data, pubsubData(topic, want)) {
			t.Fatalf("seq %d: data %s, want %s", want, e.Data, pubsubData(topic, want))
		}
		want++
	}
	if want-1 != pubsubN {
		t.Errorf("got %d messages on %s, want %d", want-1, topic, pubsubN)
	}
	if st := s.Stats(); st.Dropped != 0 || st.Reordered != 0 || st.Received != pubsubN+1 {
		t.Errorf("stats %+v, want %d received, none dropped or reordered", st, pubsubN+1)
	}
}

func pubsubData(topic string, i int) []byte {
	return fmt.Appendf(nil, `{"topic":%q,"i":%d,"text":"caf\u00e9 \"quoted\" %d"}`, topic, i, i*i)
}
