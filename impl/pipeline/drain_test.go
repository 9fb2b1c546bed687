package pipeline_test

import (
	"context"
	"testing"

	"github.com/nngbench/nngbench/impl/internal/testkit"
)

// TestDrainThenClose pushes a burst and closes right after Drain: as
// mangos drops what is still queued on Close, only a precise Drain makes
// the puller get everything.
func TestDrainThenClose(t *testing.T) {
	const n = 20000
	for _, tr := range []testkit.Transport{testkit.TCP, testkit.TLS} {
		t.Run(tr.Name, func(t *testing.T) {
			push, pull, _ := newPair(t, tr, nil)
			got := make(chan int, 1)
			ctx := timeout(t, 2*wait)
			go func() {
				count := 0
				for count < n {
					if _, err := pull.Recv(ctx); err != nil {
						break
					}
					count++
				}
				got <- count
			}()
			data := []byte(`{"k":1}`)
			for i := range n {
				if _, err := push.PushTask(context.Background(), "/t", data); err != nil {
					t.Fatalf("push #%d: %v", i+1, err)
				}
			}
			if err := push.Drain(ctx); err != nil {
				t.Fatalf("drain: %v", err)
			}
			if err := push.Close(); err != nil {
				t.Fatal(err)
			}
			if count := <-got; count != n {
				t.Errorf("puller received %d of %d", count, n)
			}
		})
	}
}
