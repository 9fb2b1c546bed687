package implload

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nngbench/nngbench/harness/record"
)

// tick is one message to send: its number, and when it is due (zero
// closed loop: the sender takes the actual send time).
type tick struct {
	seq      uint64
	intended time.Time
}

// due returns when t was due, given it is being sent at actual.
func (t tick) due(actual time.Time) time.Time {
	if t.intended.IsZero() {
		return actual
	}
	return t.intended
}

// drive calls fire for every message of the run and returns once every
// call has returned. Open loop (s.Rate > 0): one goroutine per message, at
// the pacer's times, at most s.Concurrency at once; when that many are
// out, the pacer waits. Closed loop: s.Concurrency goroutines, each
// calling fire back to back until tl.End.
func drive(ctx context.Context, s Spec, tl record.Timeline, fire func(context.Context, tick)) {
	var wg sync.WaitGroup
	defer wg.Wait()
	if s.Rate > 0 {
		pace(ctx, s, tl, &wg, fire)
		return
	}
	var n atomic.Uint64
	for range s.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(tl.End) {
				fire(ctx, tick{seq: n.Add(1) - 1})
			}
		})
	}
}

// pace is drive's open loop.
func pace(ctx context.Context, s Spec, tl record.Timeline, wg *sync.WaitGroup, fire func(context.Context, tick)) {
	sch := record.ConstantPacer{Freq: s.Rate, Duration: s.Warmup + s.Duration}.Schedule(tl.Start)
	defer sch.Stop()
	slots := make(chan struct{}, s.Concurrency)
	for {
		seq, intended, ok := sch.Next(ctx)
		if !ok {
			return
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		t := tick{seq: seq, intended: intended}
		wg.Go(func() {
			defer func() { <-slots }()
			fire(ctx, t)
		})
	}
}
