package retry_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/clock"
	"github.com/nngbench/nngbench/impl/retry"
)

var (
	epoch        = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	errBoom      = errors.New("boom")
	errPermanent = errors.New("permanent")
)

// draws returns a Rand source that yields vals in order, then repeats the last.
func draws(vals ...float64) func() float64 {
	i := 0
	return func() float64 {
		v := vals[min(i, len(vals)-1)]
		i++
		return v
	}
}

// testContext bounds a test so a broken Do fails it instead of hanging; the
// fake clock means no assertion depends on this real-time limit.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// runDo starts r.Do in its own goroutine and returns a channel with its result.
func runDo(ctx context.Context, r *retry.Retrier, fn func(context.Context, int) error) <-chan error {
	done := make(chan error, 1)
	go func() { done <- r.Do(ctx, fn) }()
	return done
}

// drive waits for each backoff timer in turn and advances the fake clock by
// exactly its delay, checking that one nanosecond less does not fire it.
func drive(ctx context.Context, t *testing.T, fake *clock.Fake, delays ...time.Duration) {
	t.Helper()
	for i, d := range delays {
		if err := fake.BlockUntil(ctx, 1); err != nil {
			t.Fatalf("wait %d: BlockUntil: %v", i+1, err)
		}
		fake.Advance(d - 1)
		if w := fake.Waiters(); w != 1 {
			t.Fatalf("wait %d: timer fired before %v elapsed (waiters = %d)", i+1, d, w)
		}
		fake.Advance(1)
	}
}

// await returns Do's result, failing fast if Do starts another backoff wait
// instead, so a miscounted retry does not hang until the test deadline.
func await(ctx context.Context, t *testing.T, fake *clock.Fake, done <-chan error) error {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	waiting := make(chan error, 1)
	go func() { waiting <- fake.BlockUntil(ctx, 1) }()
	select {
	case err := <-done:
		return err
	case err := <-waiting:
		t.Fatalf("Do started an unexpected backoff wait (BlockUntil: %v)", err)
		return nil
	}
}

type retryCall struct {
	retry int
	delay time.Duration
	err   error
}

func TestDoSucceedsOnThirdAttempt(t *testing.T) {
	ctx := testContext(t)
	fake := clock.NewFake(epoch)
	var calls []retryCall
	r := &retry.Retrier{
		Clock: fake,
		Rand:  draws(0.5, 0),
		OnRetry: func(retry int, delay time.Duration, err error) {
			calls = append(calls, retryCall{retry, delay, err})
		},
	}
	var started []time.Time
	var attempts []int
	attemptErrs := []error{fmt.Errorf("first: %w", errBoom), fmt.Errorf("second: %w", errBoom), nil}
	done := runDo(ctx, r, func(_ context.Context, attempt int) error {
		started = append(started, fake.Now())
		attempts = append(attempts, attempt)
		return attemptErrs[attempt]
	})
	// Retry 1 at u=0.5 is the base delay; retry 2 at u=0 is 200ms*(1-0.2).
	drive(ctx, t, fake, 100*time.Millisecond, 160*time.Millisecond)
	if err := await(ctx, t, fake, done); err != nil {
		t.Fatalf("Do() = %v, want nil", err)
	}

	wantStarted := []time.Time{epoch, epoch.Add(100 * time.Millisecond), epoch.Add(260 * time.Millisecond)}
	if len(started) != len(wantStarted) {
		t.Fatalf("fn called %d times, want %d", len(started), len(wantStarted))
	}
	for i := range wantStarted {
		if attempts[i] != i {
			t.Errorf("call %d got attempt %d, want %d", i, attempts[i], i)
		}
		if !started[i].Equal(wantStarted[i]) {
			t.Errorf("attempt %d started at %v, want %v", i, started[i], wantStarted[i])
		}
	}
	wantCalls := []retryCall{
		{retry: 1, delay: 100 * time.Millisecond, err: attemptErrs[0]},
		{retry: 2, delay: 160 * time.Millisecond, err: attemptErrs[1]},
	}
	if len(calls) != len(wantCalls) {
		t.Fatalf("OnRetry called %d times, want %d", len(calls), len(wantCalls))
	}
	for i, want := range wantCalls {
		if calls[i] != want {
			t.Errorf("OnRetry call %d = %+v, want %+v", i, calls[i], want)
		}
	}
}

func TestDoExhausted(t *testing.T) {
	tests := []struct {
		name    string
		policy  retry.Policy
		delays  []time.Duration
		wantMsg string
	}{
		{
			name:    "two retries",
			policy:  retry.Policy{MaxRetries: 2, Jitter: retry.NoJitter},
			delays:  []time.Duration{100 * time.Millisecond, 200 * time.Millisecond},
			wantMsg: "retry: attempts exhausted after 3 attempt(s): attempt 2: boom",
		},
		{
			name:    "disabled",
			policy:  retry.Policy{MaxRetries: retry.Disabled},
			wantMsg: "retry: attempts exhausted after 1 attempt(s): attempt 0: boom",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			fake := clock.NewFake(epoch)
			r := &retry.Retrier{Policy: tc.policy, Clock: fake, Rand: draws(0.5)}
			calls := 0
			done := runDo(ctx, r, func(_ context.Context, attempt int) error {
				calls++
				return fmt.Errorf("attempt %d: %w", attempt, errBoom)
			})
			drive(ctx, t, fake, tc.delays...)
			err := await(ctx, t, fake, done)
			if !errors.Is(err, retry.ErrExhausted) || !errors.Is(err, errBoom) {
				t.Fatalf("Do() = %v, want it to wrap ErrExhausted and errBoom", err)
			}
			if err.Error() != tc.wantMsg {
				t.Errorf("Do() = %q, want %q", err.Error(), tc.wantMsg)
			}
			if want := len(tc.delays) + 1; calls != want {
				t.Errorf("fn called %d times, want %d", calls, want)
			}
		})
	}
}

func TestDoNonRetryable(t *testing.T) {
	canceled := fmt.Errorf("dial: %w", context.Canceled)
	tests := []struct {
		name      string
		retryable func(error) bool
		err       error
	}{
		{name: "custom predicate", retryable: func(err error) bool { return !errors.Is(err, errPermanent) }, err: errPermanent},
		{name: "default rejects canceled", err: canceled},
		{name: "default rejects deadline", err: context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := clock.NewFake(epoch)
			r := &retry.Retrier{Clock: fake, Retryable: tc.retryable}
			calls := 0
			err := r.Do(testContext(t), func(context.Context, int) error {
				calls++
				return tc.err
			})
			if err != tc.err {
				t.Fatalf("Do() = %v, want %v returned as is", err, tc.err)
			}
			if calls != 1 {
				t.Errorf("fn called %d times, want 1", calls)
			}
			if w := fake.Waiters(); w != 0 {
				t.Errorf("Waiters() = %d, want 0: Do should not back off", w)
			}
		})
	}
}

func TestDoContextCanceledDuringWait(t *testing.T) {
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	fake := clock.NewFake(epoch)
	var gotCalls []retryCall
	r := &retry.Retrier{Clock: fake, Rand: draws(0.5), OnRetry: func(retry int, delay time.Duration, err error) {
		gotCalls = append(gotCalls, retryCall{retry, delay, err})
	}}
	calls := 0
	done := runDo(ctx, r, func(context.Context, int) error {
		calls++
		return errBoom
	})
	if err := fake.BlockUntil(ctx, 1); err != nil {
		t.Fatalf("BlockUntil: %v", err)
	}
	cancel()
	// The fake clock is never advanced, so only ctx can end the wait.
	err := <-done
	if !errors.Is(err, context.Canceled) || !errors.Is(err, errBoom) {
		t.Fatalf("Do() = %v, want it to wrap context.Canceled and errBoom", err)
	}
	if want := "retry: stopped after 1 attempt(s): context canceled (last error: boom)"; err.Error() != want {
		t.Errorf("Do() = %q, want %q", err.Error(), want)
	}
	if calls != 1 {
		t.Errorf("fn called %d times, want 1", calls)
	}
	if want := (retryCall{retry: 1, delay: 100 * time.Millisecond, err: errBoom}); len(gotCalls) != 1 || gotCalls[0] != want {
		t.Errorf("OnRetry calls = %+v, want [%+v]", gotCalls, want)
	}
}

func TestDoContextAlreadyDone(t *testing.T) {
	ctx, cancel := context.WithCancel(testContext(t))
	cancel()
	fake := clock.NewFake(epoch)
	r := &retry.Retrier{Clock: fake, Retryable: func(error) bool { return true }}
	calls := 0
	err := r.Do(ctx, func(context.Context, int) error {
		calls++
		return errBoom
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, errBoom) {
		t.Fatalf("Do() = %v, want it to wrap context.Canceled and errBoom", err)
	}
	if calls != 1 {
		t.Errorf("fn called %d times, want 1", calls)
	}
	if w := fake.Waiters(); w != 0 {
		t.Errorf("Waiters() = %d, want 0: Do should not start a wait", w)
	}
}

func TestDoInvalidPolicy(t *testing.T) {
	r := &retry.Retrier{Policy: retry.Policy{BaseDelay: -time.Second}, Clock: clock.NewFake(epoch)}
	called := false
	err := r.Do(testContext(t), func(context.Context, int) error {
		called = true
		return nil
	})
	if !errors.Is(err, retry.ErrInvalidPolicy) {
		t.Fatalf("Do() = %v, want ErrInvalidPolicy", err)
	}
	if called {
		t.Error("fn was called despite an invalid policy")
	}
}
