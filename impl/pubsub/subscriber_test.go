package pubsub_test

import (
	"context"
	"errors"
	"testing"

	"go.nanomsg.org/mangos/v3"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/pubsub"
)

func TestWireForms(t *testing.T) {
	full := `{"id":"msg_0000000000000001","type":"event","endpoint":"config.update","sender":"n1","seq":1,"data":{"k":1}}`
	cases := []struct {
		name     string
		body     string
		endpoint string // "" = must be refused as undecodable
	}{
		{"topic and envelope", "config.update " + full, "config.update"},
		{"no topic", full, "config.update"},
		{"nngcat form without endpoint", `config.update {"id":"msg_0000000000000002","type":"event","data":{}}`, "config.update"},
		{"extra space", "config.update  " + full, "config.update"},
		{"malformed json", `config.update {"id":`, ""},
		{"no separator", "config.update", ""},
		{"empty", "", ""},
		{"not an envelope", `config.update {"foo":1}`, ""},
		{"bad type", `config.update {"id":"msg_1","type":"nope"}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reg := metrics.NewRegistry()
			sock, sub := barePub(t, pubsub.SubscriberConfig{Name: "sub", Metrics: reg}, "")
			next := envelope.New(envelope.Event, "n1", "next.one", nil)
			for _, b := range [][]byte{[]byte(tc.body), wire(t, "next.one", next)} {
				if err := sock.Send(b); err != nil {
					t.Fatal(err)
				}
			}
			e := recv(t, sub)
			decodeErrs := stats(reg, "sub").Errors[metrics.KindDecode.String()]
			if tc.endpoint == "" {
				if e.ID != next.ID || decodeErrs != 1 {
					t.Errorf("got %s (%d decode errors), want the next message and 1 decode error", e.Endpoint, decodeErrs)
				}
				return
			}
			if e.Endpoint != tc.endpoint || decodeErrs != 0 {
				t.Errorf("got endpoint %q (%d decode errors), want %q", e.Endpoint, decodeErrs, tc.endpoint)
			}
			if e2 := recv(t, sub); e2.ID != next.ID {
				t.Errorf("then got %s, want the next message", e2.Endpoint)
			}
		})
	}
}

func TestSequenceTracking(t *testing.T) {
	cases := []struct {
		name string
		seqs []uint64 // all from sender n1 on topic t.x; 0 = no seq
		want pubsub.SubscriberStats
	}{
		{"consecutive", []uint64{1, 2, 3}, pubsub.SubscriberStats{Received: 3}},
		{"late joiner", []uint64{7, 8}, pubsub.SubscriberStats{Received: 2}},
		{"gap", []uint64{5, 9}, pubsub.SubscriberStats{Received: 2, Dropped: 3}},
		{"reordered", []uint64{1, 2, 5, 3}, pubsub.SubscriberStats{Received: 4, Dropped: 2, Reordered: 1}},
		{"duplicate", []uint64{1, 2, 2}, pubsub.SubscriberStats{Received: 3, Reordered: 1}},
		{"restart", []uint64{1, 2, 3, 1, 2, 4}, pubsub.SubscriberStats{Received: 6, Dropped: 1}},
		{"no seq", []uint64{1, 0, 0, 2}, pubsub.SubscriberStats{Received: 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reg := metrics.NewRegistry()
			sock, sub := barePub(t, pubsub.SubscriberConfig{Name: "sub", Metrics: reg}, "t.")
			for _, seq := range tc.seqs {
				e := envelope.New(envelope.Event, "n1", "t.x", nil)
				e.Seq = seq
				if err := sock.Send(wire(t, "t.x", e)); err != nil {
					t.Fatal(err)
				}
			}
			for range tc.seqs {
				recv(t, sub)
			}
			if got := sub.Stats(); got != tc.want {
				t.Errorf("stats %+v, want %+v", got, tc.want)
			}
			if got := stats(reg, "sub").Dropped; got != tc.want.Dropped {
				t.Errorf("socket metrics dropped %d, want %d", got, tc.want.Dropped)
			}
		})
	}
}

func TestStreamsAreSeparate(t *testing.T) {
	sock, sub := barePub(t, pubsub.SubscriberConfig{Name: "sub"}, "")
	sends := []struct {
		sender, topic string
		seq           uint64
	}{
		{"n1", "a.x", 1}, {"n2", "a.x", 1}, {"n1", "a.y", 1}, {"n1", "a.x", 2}, {"n2", "a.x", 2}, {"n1", "a.y", 2},
	}
	for _, s := range sends {
		e := envelope.New(envelope.Event, s.sender, s.topic, nil)
		e.Seq = s.seq
		if err := sock.Send(wire(t, s.topic, e)); err != nil {
			t.Fatal(err)
		}
	}
	for range sends {
		recv(t, sub)
	}
	if got, want := sub.Stats(), (pubsub.SubscriberStats{Received: uint64(len(sends))}); got != want {
		t.Errorf("stats %+v, want %+v: each (sender, topic) has its own sequence", got, want)
	}
}

func TestUnsubscribe(t *testing.T) {
	sock, sub := barePub(t, pubsub.SubscriberConfig{Name: "sub"}, "a.", "b.")
	if err := sub.Unsubscribe("b."); err != nil {
		t.Fatal(err)
	}
	if err := sub.Unsubscribe("never."); err == nil {
		t.Error("unsubscribing a prefix never subscribed: no error")
	}
	for _, topic := range []string{"b.x", "a.x"} {
		if err := sock.Send(wire(t, topic, envelope.New(envelope.Event, "n1", topic, nil))); err != nil {
			t.Fatal(err)
		}
	}
	if e := recv(t, sub); e.Endpoint != "a.x" {
		t.Errorf("got %s, want a.x (b. was unsubscribed)", e.Endpoint)
	}
}

func TestClose(t *testing.T) {
	_, sub := barePub(t, pubsub.SubscriberConfig{Name: "sub"}, "")
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sub.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if _, err := sub.Recv(context.Background()); !errors.Is(err, mangos.ErrClosed) {
		t.Errorf("recv after close: %v, want ErrClosed", err)
	}
	if _, ok := <-sub.C(); ok {
		t.Error("C still open after close")
	}
	n := 0
	for range sub.All(context.Background()) {
		n++
	}
	if n != 0 {
		t.Errorf("All yielded %d after close", n)
	}
}
