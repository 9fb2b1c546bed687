package pipeline_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3/protocol/pull"
	"go.nanomsg.org/mangos/v3/protocol/push"

	"github.com/nngbench/nngbench/impl/internal/testkit"
)

const warmup = 1000

// BenchmarkPushPull measures one pusher to one puller over loopback tcp,
// both in this process, from the first send to the last receive: bare
// mangos sockets with raw bytes against the layer's Task envelopes.
func BenchmarkPushPull(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"64B", 64}, {"1KiB", 1024}} {
		b.Run("bare/"+size.name, func(b *testing.B) { benchBare(b, size.n) })
		b.Run("layer/"+size.name, func(b *testing.B) { benchLayer(b, size.n) })
	}
}

func benchBare(b *testing.B, size int) {
	tx, err := push.NewSocket()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Close()
	rx, err := pull.NewSocket()
	if err != nil {
		b.Fatal(err)
	}
	defer rx.Close()
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
	measure(b, size, run)
}

func benchLayer(b *testing.B, size int) {
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
	measure(b, size, run)
}

func measure(b *testing.B, size int, run func(n int)) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	run(b.N)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
