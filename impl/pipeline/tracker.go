package pipeline

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"go.nanomsg.org/mangos/v3"

	"github.com/nngbench/nngbench/impl/metrics"
)

// tracker counts messages from Push admitting them to a pipe writing them.
// It admits at most limit at once, mangos' write queue length, so a send
// into that queue never blocks and needs no timer: Push waits here instead,
// where its context can end the wait at once. A waiting Push is woken when
// pending has fallen to lowWater, half the limit, so pushers resume in a
// batch instead of being woken once per written message (measured ~15%
// more throughput). The hot path is atomics; the lock is taken only to
// wake waiters.
type tracker struct {
	pending  atomic.Int64  // admitted and not yet written, lost or given back
	limit    int64         // most pending at once; > 0
	lowWater int64         // pending at which waiting pushes are woken, so they resume in a batch
	waiters  atomic.Int32  // pushes and Drains waiting on wake
	failed   atomic.Uint64 // messages whose write failed, since the start
	m        *metrics.Socket

	mu       sync.Mutex
	wake     chan struct{} // closed (and replaced) to wake waiters
	closed   chan struct{} // closed by Pusher.Close
	reported uint64        // failed as of the last Drain
}

func newTracker() *tracker {
	return &tracker{limit: 1, wake: make(chan struct{}), closed: make(chan struct{})}
}

// setLimit sets how many messages may be pending at once; it must precede
// any push.
func (t *tracker) setLimit(limit int) {
	t.limit, t.lowWater = int64(limit), int64(limit/2)
}

// tryAcquire admits one message if fewer than limit are pending. It never
// raises pending above limit, even for a moment, so a failed attempt cannot
// make another fail.
func (t *tracker) tryAcquire() bool {
	for {
		n := t.pending.Load()
		if n >= t.limit {
			return false
		}
		if t.pending.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// acquire admits one message, waiting while limit are pending.
func (t *tracker) acquire(ctx context.Context) error {
	if t.tryAcquire() {
		return nil
	}
	// Registering before looking at pending pairs with settle, which
	// decrements before looking at waiters: one of them sees the other.
	t.waiters.Add(1)
	defer t.waiters.Add(-1)
	for {
		wake := t.wakeChan()
		if t.tryAcquire() {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		case <-t.closed:
			return mangos.ErrClosed
		}
	}
}

func (t *tracker) wakeChan() chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.wake
}

// settle ends one admitted message's life: written, lost, or refused.
// Pending passes through every value on its way down, so waking at 0 (for
// Drain) and at lowWater (for Push) reaches every waiter.
func (t *tracker) settle() {
	n := t.pending.Add(-1)
	if (n == 0 || n == t.lowWater) && t.waiters.Load() > 0 {
		t.mu.Lock()
		close(t.wake)
		t.wake = make(chan struct{})
		t.mu.Unlock()
	}
}

func (t *tracker) lost() {
	t.failed.Add(1)
	t.m.Dropped(1)
	t.settle()
}

func (t *tracker) close() { close(t.closed) }

// drain waits until pending is 0, then reports the messages lost since the
// previous drain.
func (t *tracker) drain(ctx context.Context) error {
	t.waiters.Add(1)
	defer t.waiters.Add(-1)
	for {
		wake := t.wakeChan()
		n := t.pending.Load()
		if n == 0 {
			break
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return fmt.Errorf("%w: %d messages not yet written: %w", ErrNotDrained, n, ctx.Err())
		case <-t.closed:
			return fmt.Errorf("%w: %d messages not yet written: %w", ErrNotDrained, n, mangos.ErrClosed)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	failed := t.failed.Load()
	lost := failed - t.reported
	t.reported = failed
	if lost > 0 {
		return fmt.Errorf("%w: %d messages lost with failed connections", ErrLost, lost)
	}
	return nil
}
