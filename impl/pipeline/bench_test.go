package pipeline_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"go.nanomsg.org/mangos/v3/protocol/pull"
	"go.nanomsg.org/mangos/v3/protocol/push"

	"github.com/nngbench/nngbench/impl/internal/testkit"
)

const warmup = 1000

// BenchmarkPushPull measures one pusher to one puller over loopback tcp,
// both in this process, from the first send to the last receive: bare
// mangos sockets with raw bytes against the layer's Task envelopes, in
// alternating blocks (testkit.Paired) so both see the same machine.
// base-ns/op and cand-ns/op are per message; 1e9 over them is msgs/s.
func BenchmarkPushPull(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"64B", 64}, {"1KiB", 1024}} {
		b.Run(size.name, func(b *testing.B) {
			bare, layer := bareRun(b, size.n), layerRun(b, size.n)
			testkit.Paired(b, 5000, bare, layer)
		})
	}
}

// bareRun connects plain mangos push and pull sockets and returns a
// function that moves n messages through them.
func bareRun(b *testing.B, size int) func(int) {
	tx, err := push.NewSocket()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tx.Close() })
	rx, err := pull.NewSocket()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rx.Close() })
	l, err := tx.NewListener("tcp://127.0.0.1:0", nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := l.Listen(); err != nil {
		b.Fatal(err)
	}
	if err := rx.Dial(l.Address()); err != nil {
		b.Fatal(err)
	}
	payload := make([]byte, size)
	run := func(n int) {
		errs := make(chan error, 1)
		go func() {
			for range n {
				if err := tx.Send(payload); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
		for range n {
			if _, err := rx.Recv(); err != nil {
				b.Fatal(err)
			}
		}
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	run(warmup)
	return run
}

// layerRun does the same with a Pusher and a Puller.
func layerRun(b *testing.B, size int) func(int) {
	tx, rx, _ := newPair(b, testkit.TCP, nil)
	// A JSON string of exactly size bytes, quotes included.
	data := json.RawMessage(`"` + strings.Repeat("x", size-2) + `"`)
	ctx := context.Background()
	run := func(n int) {
		errs := make(chan error, 1)
		go func() {
			for range n {
				if _, err := tx.PushTask(ctx, "/bench", data); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
		for range n {
			if _, err := rx.Recv(ctx); err != nil {
				b.Fatal(err)
			}
		}
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	run(warmup)
	return run
}
