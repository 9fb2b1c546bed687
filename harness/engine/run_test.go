package engine_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/record"
)

// The one loop hands every message out once, in order: open loop on the
// pacer's schedule to at most Concurrency busy workers, closed loop until
// the end.
func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec engine.Spec
	}{
		{"open loop", engine.Spec{Rate: 2000, Duration: 100 * time.Millisecond, Concurrency: 3}},
		{"closed loop", engine.Spec{Duration: 50 * time.Millisecond, Concurrency: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := record.NewTimeline(tc.spec.Warmup, tc.spec.Duration)
			var mu sync.Mutex
			var seqs []uint64
			var busy, most atomic.Int64
			workers := map[int]bool{}
			engine.Run(t.Context(), tc.spec, tl, func(ctx context.Context, w int, src engine.Source) {
				for {
					tk, ok := src.Next(ctx)
					if !ok {
						return
					}
					n := busy.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					mu.Lock()
					seqs = append(seqs, tk.Seq)
					workers[w] = true
					mu.Unlock()
					if tc.spec.Rate > 0 && tk.Intended.Before(tl.Start) {
						t.Errorf("message %d due %v, before the start", tk.Seq, tk.Intended)
					}
					if tc.spec.Rate == 0 && (!tk.Intended.IsZero() || tk.Now.IsZero() || !tk.Now.Before(tl.End)) {
						t.Errorf("closed loop tick %+v: want no intended time, a Now before the end", tk)
					}
					time.Sleep(time.Millisecond) // work: the others take the next ones meanwhile
					busy.Add(-1)
				}
			})
			if want := int(tc.spec.Rate * tc.spec.Duration.Seconds()); tc.spec.Rate > 0 && len(seqs) != want {
				t.Errorf("%d messages, want %d", len(seqs), want)
			}
			seen := map[uint64]bool{}
			for _, s := range seqs {
				if seen[s] || s >= uint64(len(seqs)) {
					t.Fatalf("sequence %d twice or out of 0..%d", s, len(seqs)-1)
				}
				seen[s] = true
			}
			if most.Load() > int64(tc.spec.Concurrency) || len(workers) != tc.spec.Concurrency {
				t.Errorf("%d busy at most, %d workers used; want at most and exactly %d", most.Load(), len(workers), tc.spec.Concurrency)
			}
		})
	}
}

// Cancelling ends the loop at once, open loop too.
func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	spec := engine.Spec{Rate: 10, Duration: time.Hour, Concurrency: 2}
	done := make(chan struct{})
	go func() {
		defer close(done)
		engine.Run(ctx, spec, record.NewTimeline(0, spec.Duration), func(ctx context.Context, _ int, src engine.Source) {
			for {
				if _, ok := src.Next(ctx); !ok {
					return
				}
			}
		})
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

// Open loop, the count is the plan, exactly, whatever the rate, when the
// workers keep up: no message due before the end is lost at the stop
// (ScheduleOptions.Slack), none sent twice, none after the plan. A
// generator stalled for longer than the slack near the end (a loaded
// machine can deschedule it, more so under -race) stops behind by the tail
// it never reached, and nothing else: every attempt must send a prefix of
// the plan, and one of up to three the whole of it.
func TestRunSendsThePlan(t *testing.T) {
	for _, tc := range []struct {
		rate        float64
		concurrency int
	}{{1000, 1}, {20_000, 1}, {100_000, 1}, {20_000, 4}} {
		t.Run(fmt.Sprintf("%g/s-%d", tc.rate, tc.concurrency), func(t *testing.T) {
			want := int(tc.rate * (100 * time.Millisecond).Seconds())
			var counts []int
			for range 3 {
				n := sendThePlan(t, tc.rate, tc.concurrency, want)
				if n == want {
					return
				}
				counts = append(counts, n)
			}
			t.Errorf("messages sent in 3 attempts %v, want the plan, %d, at least once", counts, want)
		})
	}
}

// sendThePlan runs the open loop once for 100 ms and returns how many
// messages went out, failing the test unless they are the first of the
// plan of want, each once, none handed out early.
func sendThePlan(t *testing.T, rate float64, concurrency, want int) int {
	t.Helper()
	spec := engine.Spec{Rate: rate, Duration: 100 * time.Millisecond, Concurrency: concurrency}
	tl := record.NewTimeline(0, spec.Duration)
	sent := make([][]uint64, concurrency)
	engine.Run(t.Context(), spec, tl, func(ctx context.Context, w int, src engine.Source) {
		for {
			tk, ok := src.Next(ctx)
			if !ok {
				return
			}
			if tk.Now.Before(tk.Intended) {
				t.Errorf("message %d handed out %v early", tk.Seq, tk.Intended.Sub(tk.Now))
			}
			sent[w] = append(sent[w], tk.Seq)
		}
	})
	seen := make([]bool, want)
	n := 0
	for _, seqs := range sent {
		for _, s := range seqs {
			if s >= uint64(want) || seen[s] {
				t.Fatalf("sequence %d twice or beyond the plan of %d", s, want)
			}
			seen[s] = true
			n++
		}
	}
	for s := range n {
		if !seen[s] {
			t.Fatalf("%d messages sent but not sequence %d: a gap, not the tail", n, s)
		}
	}
	return n
}
