package pipeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/pipeline"
	"github.com/nngbench/nngbench/impl/transport"
)

const wait = 10 * time.Second

// newPair binds a pusher on tr and dials one puller to it, with tr's
// options changed by tune (if not nil), and returns once the pusher has
// seen the connection.
func newPair(t testing.TB, tr testkit.Transport, tune func(push, pull *transport.Options)) (*pipeline.Pusher, *pipeline.Puller, *metrics.Registry) {
	t.Helper()
	pushOpts, pullOpts := tr.Options(t)
	if tune != nil {
		tune(&pushOpts, &pullOpts)
	}
	reg := metrics.NewRegistry()
	push, err := pipeline.NewPusher(pipeline.PusherConfig{Name: "push", Transport: pushOpts, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = push.Close() })
	addr, err := push.Listen(tr.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	pull, err := pipeline.NewPuller(pipeline.PullerConfig{Name: "pull", Transport: pullOpts, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pull.Close() })
	if err := pull.Dial(addr); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, wait, func() bool {
		st, _ := reg.Snapshot().Socket("push")
		return st.Connections == 1
	}, "pusher never saw the puller")
	return push, pull, reg
}

func timeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
