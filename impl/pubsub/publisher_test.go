package pubsub_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/pubsub"
	"github.com/nngbench/nngbench/impl/transport"
)

func TestBadTopic(t *testing.T) {
	p, err := pubsub.NewPublisher(pubsub.PublisherConfig{Name: "pub"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cases := []struct {
		topic string
		ok    bool
	}{
		{"config.update", true},
		{"métriques.cpu", true},
		{"", false},
		{"config update", false},
		{"config.update\n", false},
		{"tab\there", false},
		{"nul\x00", false},
		{"del\x7f", false},
		{"c1\u0085", false},
		{"{json", false},
	}
	for _, tc := range cases {
		t.Run(tc.topic, func(t *testing.T) {
			err := pubsub.CheckTopic(tc.topic)
			_, perr := p.Publish(tc.topic, json.RawMessage(`1`))
			eerr := p.PublishEnvelope(envelope.New(envelope.Event, "pub", tc.topic, nil))
			for name, err := range map[string]error{"CheckTopic": err, "Publish": perr, "PublishEnvelope": eerr} {
				if tc.ok && err != nil {
					t.Errorf("%s: %v", name, err)
				}
				if !tc.ok && !errors.Is(err, pubsub.ErrBadTopic) {
					t.Errorf("%s: got %v, want ErrBadTopic", name, err)
				}
			}
		})
	}
}

func TestOversize(t *testing.T) {
	const limit = 4 << 10
	pr := newPair(t, testkit.TCP.Addr(t),
		pubsub.PublisherConfig{Transport: transport.Options{MaxMessageSize: limit}},
		pubsub.SubscriberConfig{}, "big.")
	big := json.RawMessage(`"` + strings.Repeat("x", limit) + `"`)
	cases := []struct {
		name string
		send func() error
	}{
		{"Publish", func() error { _, err := pr.pub.Publish("big.one", big); return err }},
		{"PublishEnvelope", func() error {
			return pr.pub.PublishEnvelope(envelope.New(envelope.Event, "pub", "big.one", big))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.send(); !errors.Is(err, transport.ErrTooLarge) {
				t.Fatalf("got %v, want ErrTooLarge", err)
			}
		})
	}
	if n := stats(pr.reg, "pub").Errors[metrics.KindOversize.String()]; n != 2 {
		t.Errorf("oversize errors: %d, want 2", n)
	}
	// The socket still works, and the refused message used no sequence
	// number, so the subscriber sees no gap.
	if _, err := pr.pub.Publish("big.one", json.RawMessage(`"small"`)); err != nil {
		t.Fatal(err)
	}
	e := recv(t, pr.sub)
	if e.Seq != 1 || string(e.Data) != `"small"` {
		t.Errorf("got seq %d data %s, want seq 1 \"small\"", e.Seq, e.Data)
	}
	if st := pr.sub.Stats(); st.Dropped != 0 || st.Received != 1 {
		t.Errorf("stats %+v, want 1 received, 0 dropped", st)
	}
}

func TestPublishSequencePerTopic(t *testing.T) {
	pr := newPair(t, testkit.Inproc.Addr(t), pubsub.PublisherConfig{}, pubsub.SubscriberConfig{}, "")
	order := []string{"a.x", "b.y", "a.x", "a.z", "b.y", "a.x"}
	want := []uint64{1, 1, 2, 1, 2, 3}
	for i, topic := range order {
		e, err := pr.pub.Publish(topic, nil)
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq != want[i] || e.Endpoint != topic || e.Type != envelope.Event || e.Sender != "pub" {
			t.Errorf("#%d: published %+v, want %s seq %d from pub", i, e, topic, want[i])
		}
	}
	for i, topic := range order {
		if e := recv(t, pr.sub); e.Endpoint != topic || e.Seq != want[i] {
			t.Errorf("#%d: received %s seq %d, want %s seq %d", i, e.Endpoint, e.Seq, topic, want[i])
		}
	}
}
