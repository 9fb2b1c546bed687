package breaker_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/breaker"
	"github.com/nngbench/nngbench/impl/clock"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const resetTimeout = 30 * time.Second

// newBreaker builds a breaker named "worker-1" on a fake clock.
func newBreaker(t *testing.T, cfg breaker.Config) (*breaker.Breaker, *clock.Fake) {
	t.Helper()
	fake := clock.NewFake(epoch)
	b, err := breaker.New("worker-1", cfg, fake)
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	return b, fake
}

// fail reports n failures.
func fail(t *testing.T, b *breaker.Breaker, n int) {
	t.Helper()
	for range n {
		b.Failure()
	}
}

// wantState fails the test unless b is in state want.
func wantState(t *testing.T, b *breaker.Breaker, want breaker.State) {
	t.Helper()
	if got := b.State(); got != want {
		t.Fatalf("State() = %v, want %v", got, want)
	}
}

// wantOpenError fails the test unless err is an *OpenError for worker-1 with RetryAt retryAt.
func wantOpenError(t *testing.T, err error, retryAt time.Time) {
	t.Helper()
	var oe *breaker.OpenError
	if !errors.As(err, &oe) {
		t.Fatalf("Allow() = %v, want *OpenError", err)
	}
	if !errors.Is(err, breaker.ErrOpen) {
		t.Errorf("errors.Is(%v, ErrOpen) = false", err)
	}
	if oe.Name != "worker-1" || !oe.RetryAt.Equal(retryAt) {
		t.Errorf("OpenError = %+v, want name worker-1 and RetryAt %v", oe, retryAt)
	}
}

func TestNew(t *testing.T) {
	b, err := breaker.New("db", breaker.Config{HalfOpenProbes: -1}, nil)
	if !errors.Is(err, breaker.ErrInvalidConfig) || b != nil {
		t.Fatalf("New(invalid) = %v, %v; want nil, ErrInvalidConfig", b, err)
	}
	b, err = breaker.New("db", breaker.Config{}, nil)
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	if b.Name() != "db" || b.State() != breaker.Closed || b.Trips() != 0 || b.Allow() != nil {
		t.Fatalf("new breaker: name %q, state %v, trips %d; want db, closed, 0 and admitting", b.Name(), b.State(), b.Trips())
	}
}

func TestStateString(t *testing.T) {
	tests := []struct {
		state breaker.State
		want  string
	}{
		{breaker.Closed, "closed"},
		{breaker.Open, "open"},
		{breaker.HalfOpen, "half-open"},
		{breaker.State(9), "State(9)"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.state.String(); got != tc.want {
				t.Fatalf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOpensAtThreshold(t *testing.T) {
	for _, threshold := range []int{1, 3, 5} {
		t.Run(fmt.Sprintf("threshold %d", threshold), func(t *testing.T) {
			b, _ := newBreaker(t, breaker.Config{FailureThreshold: threshold})
			fail(t, b, threshold-1)
			wantState(t, b, breaker.Closed)
			if err := b.Allow(); err != nil {
				t.Fatalf("Allow() below threshold = %v, want nil", err)
			}
			b.Failure()
			wantState(t, b, breaker.Open)
			if got := b.Trips(); got != 1 {
				t.Fatalf("Trips() = %d, want 1", got)
			}
		})
	}
}

func TestSuccessResetsFailureCount(t *testing.T) {
	b, _ := newBreaker(t, breaker.Config{FailureThreshold: 3})
	fail(t, b, 2)
	b.Success()
	fail(t, b, 2)
	wantState(t, b, breaker.Closed)
	b.Failure()
	wantState(t, b, breaker.Open)
}

func TestOpenRefusesUntilResetTimeout(t *testing.T) {
	b, fake := newBreaker(t, breaker.Config{FailureThreshold: 1, ResetTimeout: resetTimeout})
	fake.Advance(time.Minute) // so the open time differs from the clock's start
	openedAt := fake.Now()
	b.Failure()

	fake.Advance(resetTimeout - 1)
	err := b.Allow()
	wantOpenError(t, err, openedAt.Add(resetTimeout))
	if want := "breaker: open for worker-1 until 2026-01-02T03:05:35Z"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	wantState(t, b, breaker.Open)

	fake.Advance(1)
	wantState(t, b, breaker.HalfOpen)
}

func TestHalfOpenAdmitsLimitedProbes(t *testing.T) {
	for _, probes := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d probes", probes), func(t *testing.T) {
			b, fake := newBreaker(t, breaker.Config{FailureThreshold: 1, ResetTimeout: resetTimeout, HalfOpenProbes: probes})
			b.Failure()
			fake.Advance(resetTimeout)
			for i := range probes {
				if err := b.Allow(); err != nil {
					t.Fatalf("probe %d: Allow() = %v, want nil", i+1, err)
				}
			}
			wantOpenError(t, b.Allow(), epoch.Add(resetTimeout))
			wantState(t, b, breaker.HalfOpen)
		})
	}
}

func TestProbeOutcome(t *testing.T) {
	b, fake := newBreaker(t, breaker.Config{FailureThreshold: 1, ResetTimeout: resetTimeout})
	b.Failure()
	fake.Advance(resetTimeout)
	if err := b.Allow(); err != nil {
		t.Fatalf("first probe: Allow() = %v, want nil", err)
	}

	// A failed probe reopens for a fresh timeout from the failure.
	fake.Advance(5 * time.Second)
	b.Failure()
	wantState(t, b, breaker.Open)
	if got := b.Trips(); got != 2 {
		t.Fatalf("Trips() after failed probe = %d, want 2", got)
	}
	wantOpenError(t, b.Allow(), epoch.Add(2*resetTimeout+5*time.Second))

	fake.Advance(resetTimeout)
	if err := b.Allow(); err != nil {
		t.Fatalf("second probe: Allow() = %v, want nil", err)
	}
	b.Success()
	wantState(t, b, breaker.Closed)
	if got := b.Trips(); got != 2 {
		t.Fatalf("Trips() after closing = %d, want 2", got)
	}
	if err := b.Allow(); err != nil {
		t.Fatalf("closed: Allow() = %v, want nil", err)
	}
}

func TestOutcomesIgnoredWhileOpen(t *testing.T) {
	b, _ := newBreaker(t, breaker.Config{FailureThreshold: 1, ResetTimeout: resetTimeout})
	b.Failure()
	b.Success()
	b.Failure()
	wantState(t, b, breaker.Open)
	if got := b.Trips(); got != 1 {
		t.Fatalf("Trips() = %d, want 1", got)
	}
}

type change struct {
	name     string
	from, to breaker.State
}

func TestOnStateChangeSeesEveryTransition(t *testing.T) {
	var got []change
	var b *breaker.Breaker
	fake := clock.NewFake(epoch)
	cfg := breaker.Config{FailureThreshold: 2, ResetTimeout: resetTimeout, OnStateChange: func(name string, from, to breaker.State) {
		// Calling back into the breaker proves the callback runs outside its lock.
		if s := b.State(); s != to {
			t.Errorf("State() inside callback = %v, want %v", s, to)
		}
		got = append(got, change{name, from, to})
	}}
	b, err := breaker.New("worker-1", cfg, fake)
	if err != nil {
		t.Fatalf("New() = %v", err)
	}

	fail(t, b, 2)              // closed -> open
	fake.Advance(resetTimeout) // open -> half-open, seen by Allow
	if err := b.Allow(); err != nil {
		t.Fatalf("Allow() = %v", err)
	}
	b.Failure()                // half-open -> open
	fake.Advance(resetTimeout) // open -> half-open, seen by State
	b.State()
	b.Success() // half-open -> closed

	want := []change{
		{"worker-1", breaker.Closed, breaker.Open},
		{"worker-1", breaker.Open, breaker.HalfOpen},
		{"worker-1", breaker.HalfOpen, breaker.Open},
		{"worker-1", breaker.Open, breaker.HalfOpen},
		{"worker-1", breaker.HalfOpen, breaker.Closed},
	}
	if len(got) != len(want) {
		t.Fatalf("transitions = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("transition %d = %v, want %v", i, got[i], want[i])
		}
	}
}
