package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/nngbench/nngbench/impl/clock"
)

// ErrExhausted is wrapped by the error Do returns once every retry has failed.
var ErrExhausted = errors.New("retry: attempts exhausted")

// Retrier runs an operation under a Policy. The zero value is usable: it
// retries with the default policy on the real clock. A Retrier is safe for
// concurrent use as long as its fields are not changed and Rand is itself safe.
type Retrier struct {
	// Policy is the backoff policy; zero fields take defaults (see Policy.WithDefaults).
	Policy Policy
	// Clock times the backoff waits; nil means clock.Real().
	Clock clock.Clock
	// Retryable reports whether an error is worth retrying; nil means every
	// non-nil error except context.Canceled and context.DeadlineExceeded.
	Retryable func(error) bool
	// Rand returns a draw in [0,1) for jitter; nil means math/rand/v2 Float64.
	// Tests pass a seeded or fixed source.
	Rand func() float64
	// OnRetry, if set, is called before each backoff wait with the 1-based
	// retry number, the delay about to be waited and the error that caused it.
	OnRetry func(retry int, delay time.Duration, err error)
}

// Do calls fn(ctx, attempt) with attempt = 0, 1, 2, ... until it returns nil,
// a non-retryable error (returned as is), retries run out (the returned error
// wraps both ErrExhausted and the last error and says how many attempts ran),
// or ctx ends before or during a backoff wait (the returned error wraps both
// ctx.Err() and the last error). An invalid policy is returned, wrapping
// ErrInvalidPolicy, without calling fn.
func (r *Retrier) Do(ctx context.Context, fn func(ctx context.Context, attempt int) error) error {
	p := r.Policy.WithDefaults()
	if err := p.Validate(); err != nil {
		return err
	}
	clk, retryable, draw := r.Clock, r.Retryable, r.Rand
	if clk == nil {
		clk = clock.Real()
	}
	if retryable == nil {
		retryable = defaultRetryable
	}
	if draw == nil {
		draw = rand.Float64
	}
	for attempt := 0; ; attempt++ {
		err := fn(ctx, attempt)
		if err == nil {
			return nil
		}
		if !retryable(err) {
			return err
		}
		if attempt >= p.retries() {
			return fmt.Errorf("%w after %d attempt(s): %w", ErrExhausted, attempt+1, err)
		}
		// Checked first because a zero delay and a done ctx would otherwise
		// race in the select below.
		if ctxErr := ctx.Err(); ctxErr != nil {
			return stopped(ctxErr, attempt+1, err)
		}
		retry := attempt + 1
		delay := p.Backoff(retry, draw())
		if r.OnRetry != nil {
			r.OnRetry(retry, delay, err)
		}
		select {
		case <-clk.After(delay):
		case <-ctx.Done():
			return stopped(ctx.Err(), attempt+1, err)
		}
	}
}

func stopped(ctxErr error, attempts int, last error) error {
	return fmt.Errorf("retry: stopped after %d attempt(s): %w (last error: %w)", attempts, ctxErr, last)
}

func defaultRetryable(err error) bool {
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}
