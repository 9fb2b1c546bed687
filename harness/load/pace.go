package load

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/nngbench/nngbench/harness/record"
)

// tick is one message to send. A zero intended means closed loop: the sender stamps the actual
// send time there, as there is no schedule to be late against. now, if set, is that time,
// read by the closed loop as it checked the end: one clock read a message, not two.
type tick struct {
	seq      uint64
	intended time.Time
	now      time.Time
}

// source hands the senders their next message; ok false means stop.
type source interface {
	next(ctx context.Context) (t tick, ok bool)
}

// openLoop is fed by a pacer goroutine through an unbuffered channel: when every sender is busy
// the pacer waits for one, and the lateness lands in the Lag histogram and in the latencies
// (timed from intended), never in a skipped message.
type openLoop struct{ ticks chan tick }

func (o openLoop) next(ctx context.Context) (tick, bool) {
	select {
	case t, ok := <-o.ticks:
		return t, ok
	case <-ctx.Done():
		return tick{}, false
	}
}

// pace runs p from start, sending one tick per message due, and closes ticks when p stops.
func pace(ctx context.Context, p record.ConstantPacer, start time.Time, ticks chan<- tick) {
	defer close(ticks)
	sch := p.Schedule(start)
	defer sch.Stop()
	for {
		seq, intended, ok := sch.Next(ctx)
		if !ok {
			return
		}
		select {
		case ticks <- tick{seq: seq, intended: intended}:
		case <-ctx.Done():
			return
		}
	}
}

// closedLoop numbers messages for senders that send as soon as they may, until end.
type closedLoop struct {
	n   atomic.Uint64
	end time.Time
}

func (c *closedLoop) next(ctx context.Context) (tick, bool) {
	now := time.Now()
	if ctx.Err() != nil || !now.Before(c.end) {
		return tick{}, false
	}
	return tick{seq: c.n.Add(1) - 1, now: now}, true
}
