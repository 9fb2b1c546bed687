package pubsub_test

import (
	"context"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3"
	"go.nanomsg.org/mangos/v3/protocol/pub"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/pubsub"
)

const wait = 10 * time.Second

// pair is a publisher bound on addr and one subscriber dialled to it,
// connected (the publisher has seen the connection) when returned.
type pair struct {
	pub *pubsub.Publisher
	sub *pubsub.Subscriber
	reg *metrics.Registry
}

func newPair(t *testing.T, addr string, pc pubsub.PublisherConfig, sc pubsub.SubscriberConfig, prefixes ...string) pair {
	t.Helper()
	reg := metrics.NewRegistry()
	pc.Name, pc.Metrics = "pub", reg
	sc.Name, sc.Metrics = "sub", reg
	p, err := pubsub.NewPublisher(pc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	bound, err := p.Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	s := newSubscriber(t, sc, bound, prefixes...)
	testkit.Eventually(t, wait, func() bool { return stats(reg, "pub").Connections == 1 },
		"publisher never saw the subscriber")
	return pair{pub: p, sub: s, reg: reg}
}

func newSubscriber(t *testing.T, sc pubsub.SubscriberConfig, addr string, prefixes ...string) *pubsub.Subscriber {
	t.Helper()
	s, err := pubsub.NewSubscriber(sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for _, prefix := range prefixes {
		if err := s.Subscribe(prefix); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Dial(addr); err != nil {
		t.Fatal(err)
	}
	return s
}

func stats(reg *metrics.Registry, name string) metrics.SocketStats {
	st, _ := reg.Snapshot().Socket(name)
	return st
}

// barePub is a plain mangos PUB socket, for sending what Publisher never
// would. It returns once a subscriber has connected.
func barePub(t *testing.T, sc pubsub.SubscriberConfig, prefixes ...string) (mangos.Socket, *pubsub.Subscriber) {
	t.Helper()
	sock, err := pub.NewSocket()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sock.Close() })
	attached := make(chan struct{}, 1)
	sock.SetPipeEventHook(func(ev mangos.PipeEvent, _ mangos.Pipe) {
		if ev == mangos.PipeEventAttached {
			attached <- struct{}{}
		}
	})
	addr := testkit.Inproc.Addr(t)
	if err := sock.Listen(addr); err != nil {
		t.Fatal(err)
	}
	s := newSubscriber(t, sc, addr, prefixes...)
	select {
	case <-attached:
	case <-time.After(wait):
		t.Fatal("the subscriber never connected")
	}
	return sock, s
}

func recv(t *testing.T, s *pubsub.Subscriber) *envelope.Envelope {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	e, err := s.Recv(ctx)
	if err != nil {
		t.Fatalf("recv: %v", err)
	}
	return e
}

// wire is e as Publisher would send it under topic.
func wire(t *testing.T, topic string, e *envelope.Envelope) []byte {
	t.Helper()
	b, err := e.AppendJSON([]byte(topic + " "))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
