package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nngbench/nngbench/harness/record"
)

// Tick is one message to send: its number and when it was due. A zero
// Intended means closed loop: there is no schedule to be late against, and
// the sender takes the actual send time, Now, which the closed loop read
// as it checked the end (one clock read a message, not two).
type Tick struct {
	Seq      uint64
	Intended time.Time
	Now      time.Time
}

// Due is when t was due, given it is being sent at actual.
func (t Tick) Due(actual time.Time) time.Time {
	if t.Intended.IsZero() {
		return actual
	}
	return t.Intended
}

// Source hands a worker its next message; ok false means stop.
type Source interface {
	Next(ctx context.Context) (t Tick, ok bool)
}

// Run runs s.Concurrency workers (at least one) until the source stops, and
// returns once every one has returned. Each gets its number and the one
// source they share:
//   - open loop (Rate > 0), the pacer's messages from tl.Start, handed out
//     by one goroutine over an unbuffered channel: when every worker is
//     busy the pacer waits for one, and the lateness lands in the latencies
//     (timed from Intended), never in a skipped message;
//   - closed loop, numbered messages as fast as the workers take them,
//     until tl.End.
func Run(ctx context.Context, s Spec, tl record.Timeline, work func(ctx context.Context, worker int, src Source)) {
	var wg sync.WaitGroup
	var src Source = &closedLoop{end: tl.End}
	if s.Rate > 0 {
		ticks := make(chan Tick)
		wg.Go(func() { pace(ctx, s.pacer(), tl.Start, ticks) })
		src = openLoop{ticks: ticks}
	}
	for i := range max(s.Concurrency, 1) {
		wg.Go(func() { work(ctx, i, src) })
	}
	wg.Wait()
}

type openLoop struct{ ticks chan Tick }

func (o openLoop) Next(ctx context.Context) (Tick, bool) {
	select {
	case t, ok := <-o.ticks:
		return t, ok
	case <-ctx.Done():
		return Tick{}, false
	}
}

// pace runs p from start, sending one tick per message due, and closes
// ticks when p stops.
func pace(ctx context.Context, p Pacer, start time.Time, ticks chan<- Tick) {
	defer close(ticks)
	sch := NewSchedule(p, start)
	defer sch.Stop()
	for {
		seq, intended, ok := sch.Next(ctx)
		if !ok {
			return
		}
		select {
		case ticks <- Tick{Seq: seq, Intended: intended}:
		case <-ctx.Done():
			return
		}
	}
}

// closedLoop numbers messages for workers that send as soon as they may,
// until end.
type closedLoop struct {
	n   atomic.Uint64
	end time.Time
}

func (c *closedLoop) Next(ctx context.Context) (Tick, bool) {
	now := time.Now()
	if ctx.Err() != nil || !now.Before(c.end) {
		return Tick{}, false
	}
	return Tick{Seq: c.n.Add(1) - 1, Now: now}, true
}

// Drain waits, polling, until caughtUp or grace has passed or ctx ends: what is still in
// flight gets to arrive before the run closes its sockets or stops listening (mangos drops
// what is queued at Close).
func Drain(ctx context.Context, grace time.Duration, caughtUp func() bool) {
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	poll := time.NewTicker(time.Millisecond)
	defer poll.Stop()
	for !caughtUp() {
		select {
		case <-poll.C:
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		}
	}
}
