package clock

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// Fake is a manually driven Clock for tests: time moves only when Advance is
// called. The zero value is not usable; create one with NewFake. A Fake is safe
// for concurrent use.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	seq     uint64 // orders timers with equal deadlines by creation
	timers  []*fakeTimer
	changed chan struct{} // closed and replaced whenever timers are added
}

type fakeTimer struct {
	deadline time.Time
	seq      uint64
	ch       chan time.Time // buffered so Advance never blocks on a slow reader
}

// Compile-time check that *Fake satisfies Clock.
var _ Clock = (*Fake)(nil)

// NewFake returns a Fake clock whose Now reports start until Advance is called.
func NewFake(start time.Time) *Fake {
	return &Fake{now: start, changed: make(chan struct{})}
}

// Now returns the fake current time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// After returns a channel that receives the timer's deadline once Advance moves
// time to or past Now()+d. For d <= 0 the channel already holds the current time
// and no pending timer is registered.
func (f *Fake) After(d time.Duration) <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- f.now
		return ch
	}
	f.seq++
	f.timers = append(f.timers, &fakeTimer{deadline: f.now.Add(d), seq: f.seq, ch: ch})
	// Wake every BlockUntil caller so it can re-check the pending count.
	close(f.changed)
	f.changed = make(chan struct{})
	return ch
}

// Advance moves the fake time forward by d and fires every timer whose deadline
// is now due, in deadline order (creation order breaks ties). A negative d is
// treated as zero because time never moves backwards.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d > 0 {
		f.now = f.now.Add(d)
	}
	var due, pending []*fakeTimer
	for _, t := range f.timers {
		if t.deadline.After(f.now) {
			pending = append(pending, t)
		} else {
			due = append(due, t)
		}
	}
	f.timers = pending
	slices.SortFunc(due, func(a, b *fakeTimer) int {
		if c := a.deadline.Compare(b.deadline); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	for _, t := range due {
		t.ch <- t.deadline
	}
}

// Waiters returns the number of timers created by After that have not fired yet.
func (f *Fake) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

// BlockUntil waits until at least n timers are pending, or ctx ends, in which
// case it returns ctx.Err(). It never sleeps: it is woken by each After call.
func (f *Fake) BlockUntil(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		count, changed := len(f.timers), f.changed
		f.mu.Unlock()
		if count >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
