package clock_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/clock"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// received reports whether ch holds a value, without blocking.
func received(t *testing.T, ch <-chan time.Time) (time.Time, bool) {
	t.Helper()
	select {
	case v := <-ch:
		return v, true
	default:
		return time.Time{}, false
	}
}

func TestFakeNowAndAdvance(t *testing.T) {
	f := clock.NewFake(epoch)
	if got := f.Now(); !got.Equal(epoch) {
		t.Fatalf("Now() = %v, want %v", got, epoch)
	}
	f.Advance(90 * time.Second)
	if got, want := f.Now(), epoch.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("Now() after Advance = %v, want %v", got, want)
	}
	f.Advance(-time.Hour)
	if got, want := f.Now(), epoch.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("Now() after negative Advance = %v, want %v", got, want)
	}
}

func TestFakeAfter(t *testing.T) {
	tests := []struct {
		name      string
		d         time.Duration
		advance   []time.Duration
		wantFired bool
		wantValue time.Time
		waiters   int
	}{
		{name: "zero fires at once", d: 0, wantFired: true, wantValue: epoch},
		{name: "negative fires at once", d: -time.Second, wantFired: true, wantValue: epoch},
		{name: "not yet due", d: time.Second, advance: []time.Duration{time.Second - 1}, waiters: 1},
		{name: "exactly due", d: time.Second, advance: []time.Duration{time.Second}, wantFired: true, wantValue: epoch.Add(time.Second)},
		{name: "past due reports deadline", d: time.Second, advance: []time.Duration{5 * time.Second}, wantFired: true, wantValue: epoch.Add(time.Second)},
		{name: "due across steps", d: time.Second, advance: []time.Duration{400 * time.Millisecond, 600 * time.Millisecond}, wantFired: true, wantValue: epoch.Add(time.Second)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := clock.NewFake(epoch)
			ch := f.After(tc.d)
			for _, d := range tc.advance {
				f.Advance(d)
			}
			got, fired := received(t, ch)
			if fired != tc.wantFired {
				t.Fatalf("fired = %v, want %v", fired, tc.wantFired)
			}
			if fired && !got.Equal(tc.wantValue) {
				t.Errorf("value = %v, want %v", got, tc.wantValue)
			}
			if w := f.Waiters(); w != tc.waiters {
				t.Errorf("Waiters() = %d, want %d", w, tc.waiters)
			}
		})
	}
}

func TestFakeAdvanceFiresOnlyDueTimers(t *testing.T) {
	f := clock.NewFake(epoch)
	chans := []<-chan time.Time{f.After(3 * time.Second), f.After(time.Second), f.After(2 * time.Second), f.After(time.Hour)}
	if w := f.Waiters(); w != 4 {
		t.Fatalf("Waiters() = %d, want 4", w)
	}
	f.Advance(10 * time.Second)
	// Each fired timer carries its own deadline, not the time Advance reached.
	want := []time.Time{epoch.Add(3 * time.Second), epoch.Add(time.Second), epoch.Add(2 * time.Second)}
	for i, w := range want {
		got, ok := received(t, chans[i])
		if !ok {
			t.Fatalf("timer %d did not fire", i)
		}
		if !got.Equal(w) {
			t.Errorf("timer %d value = %v, want %v", i, got, w)
		}
	}
	if _, ok := received(t, chans[3]); ok {
		t.Error("timer due in an hour fired early")
	}
	if w := f.Waiters(); w != 1 {
		t.Errorf("Waiters() = %d, want 1", w)
	}
}

func TestFakeBlockUntil(t *testing.T) {
	f := clock.NewFake(epoch)
	ctx := t.Context()
	done := make(chan error, 1)
	go func() { done <- f.BlockUntil(ctx, 2) }()

	// Register the timers from another goroutine; BlockUntil must wake for them.
	go func() {
		f.After(time.Second)
		f.After(time.Minute)
	}()
	if err := <-done; err != nil {
		t.Fatalf("BlockUntil() = %v, want nil", err)
	}
	if w := f.Waiters(); w != 2 {
		t.Fatalf("Waiters() = %d, want 2", w)
	}
	if err := f.BlockUntil(ctx, 0); err != nil {
		t.Fatalf("BlockUntil(0) = %v, want nil", err)
	}
}

func TestFakeBlockUntilContextEnds(t *testing.T) {
	f := clock.NewFake(epoch)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := f.BlockUntil(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("BlockUntil() = %v, want context.Canceled", err)
	}
}

func TestReal(t *testing.T) {
	c := clock.Real()
	before := time.Now()
	if got := c.Now(); got.Before(before) {
		t.Fatalf("Real().Now() = %v, before %v", got, before)
	}
	// A non-positive duration fires immediately, so this does not wait in real time.
	if got := <-c.After(0); got.Before(before) {
		t.Fatalf("Real().After(0) sent %v, before %v", got, before)
	}
}
