package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nngbench/nngbench/harness/record"
)

// Tick is one message to send: its number, when it was due, and Now, the
// time the source read as it handed it out: the actual send time, for a
// sender that sends at once (one clock read a message, not two). A zero
// Intended means closed loop: there is no schedule to be late against.
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
//   - open loop (Rate > 0), the pacer's messages from tl.Start: a worker
//     that asks takes the next message, at once if it is due (however
//     many are: when every worker was busy, they go out back to back, and
//     the lateness lands in the latencies, timed from Intended, never in
//     a skipped message), else waiting for it while the others wait their
//     turn; no goroutine or timer of its own per message;
//   - closed loop, numbered messages as fast as the workers take them,
//     until tl.End.
//
// Open loop, the end is the schedule's: every message due before it goes
// out once, unless the generator has been behind its schedule for longer
// than the slack at the end (ScheduleOptions.Slack, Spec.endSlack), so that
// one that keeps up sends exactly the plan, however late its last wake-up,
// and one that cannot keep the rate stops at the end, behind by the tail
// it never reached.
func Run(ctx context.Context, s Spec, tl record.Timeline, work func(ctx context.Context, worker int, src Source)) {
	var wg sync.WaitGroup
	var src Source = &closedLoop{end: tl.End}
	if s.Rate > 0 {
		sch := NewScheduleWith(s.pacer(), tl.Start, ScheduleOptions{Slack: s.endSlack()})
		defer sch.Stop()
		src = &openLoop{sch: sch}
	}
	for i := range max(s.Concurrency, 1) {
		wg.Go(func() { work(ctx, i, src) })
	}
	wg.Wait()
}

// openLoop shares one schedule among the workers: one at a time walks it
// (waits for the next message, or takes it if due), the others queue on
// the lock.
type openLoop struct {
	mu  sync.Mutex
	sch *Schedule
}

func (o *openLoop) Next(ctx context.Context) (Tick, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	seq, intended, now, ok := o.sch.next(ctx)
	return Tick{Seq: seq, Intended: intended, Now: now}, ok
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
