// Package retry runs operations again after failures, waiting an exponentially growing, jittered delay between attempts.
package retry

import (
	"errors"
	"math"
	"time"
)

// Sentinel values for Policy fields whose zero value already means "use the default".
const (
	// Disabled as Policy.MaxRetries means no retries: only the first attempt runs.
	Disabled = -1
	// NoJitter as Policy.Jitter means exactly zero jitter.
	NoJitter = -1
)

// Default values that WithDefaults fills into zero Policy fields.
const (
	DefaultMaxRetries = 3
	DefaultBaseDelay  = 100 * time.Millisecond
	DefaultMaxDelay   = 10 * time.Second
	DefaultMultiplier = 2.0
	DefaultJitter     = 0.2
)

// ErrInvalidPolicy is wrapped by every problem that Validate reports.
var ErrInvalidPolicy = errors.New("retry: invalid policy")

// Policy describes exponential backoff with jitter. Zero fields take defaults in WithDefaults.
type Policy struct {
	// MaxRetries is the number of retries after the first attempt; 0 means
	// DefaultMaxRetries (3) and Disabled (-1) means none.
	MaxRetries int
	// BaseDelay is the delay before the first retry; 0 means DefaultBaseDelay (100ms).
	BaseDelay time.Duration
	// MaxDelay caps every delay, jitter included; 0 means DefaultMaxDelay (10s).
	MaxDelay time.Duration
	// Multiplier is the growth factor per retry; 0 means DefaultMultiplier (2).
	Multiplier float64
	// Jitter is a fraction in [0,1]: the delay is drawn uniformly from
	// [d*(1-Jitter), d*(1+Jitter)], then capped at MaxDelay. 0 means
	// DefaultJitter (0.2); NoJitter (-1) means exactly 0.
	Jitter float64
}

// WithDefaults returns p with every zero field replaced by its default. The
// Disabled and NoJitter sentinels are kept as they are, so that applying
// WithDefaults twice gives the same policy.
func (p Policy) WithDefaults() Policy {
	if p.MaxRetries == 0 {
		p.MaxRetries = DefaultMaxRetries
	}
	if p.BaseDelay == 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.Multiplier == 0 {
		p.Multiplier = DefaultMultiplier
	}
	if p.Jitter == 0 {
		p.Jitter = DefaultJitter
	}
	return p
}

// Validate checks a policy that has already been through WithDefaults. It
// reports every problem, each naming its field, joined with errors.Join; each
// wraps ErrInvalidPolicy.
func (p Policy) Validate() error {
	var errs []error
	if p.MaxRetries < 0 && p.MaxRetries != Disabled {
		errs = append(errs, invalid("max_retries", "must be >= 0 or Disabled"))
	}
	if p.BaseDelay <= 0 {
		errs = append(errs, invalid("base_delay", "must be > 0"))
	}
	if p.MaxDelay < p.BaseDelay {
		errs = append(errs, invalid("max_delay", "must be >= base_delay"))
	}
	// The negated form also rejects NaN.
	if !(p.Multiplier >= 1) {
		errs = append(errs, invalid("multiplier", "must be >= 1"))
	}
	if !(p.Jitter >= 0 && p.Jitter <= 1) && p.Jitter != NoJitter {
		errs = append(errs, invalid("jitter", "must be in [0,1] or NoJitter"))
	}
	return errors.Join(errs...)
}

// Backoff returns the delay before retry number retry (1-based; values below 1
// count as 1), given a random draw u in [0,1) (clamped to [0,1]). With
// d = BaseDelay * Multiplier^(retry-1), the result is d*(1-Jitter+2*Jitter*u)
// capped at MaxDelay, rounded to the nanosecond, so it is deterministic in u.
// p should have been through WithDefaults.
func (p Policy) Backoff(retry int, u float64) time.Duration {
	retry = max(retry, 1)
	u = min(max(u, 0), 1)
	// Clamp an overflowed exponent to a finite value so a zero jitter factor
	// yields 0 rather than NaN (Inf * 0).
	d := min(float64(p.BaseDelay)*math.Pow(p.Multiplier, float64(retry-1)), math.MaxFloat64)
	// 2u-1 maps the draw onto [-1,1), so u = 0.5 gives d exactly.
	d *= 1 + p.jitter()*(2*u-1)
	return time.Duration(math.Round(min(d, float64(p.MaxDelay))))
}

// retries resolves the Disabled sentinel.
func (p Policy) retries() int {
	if p.MaxRetries == Disabled {
		return 0
	}
	return p.MaxRetries
}

// jitter resolves the NoJitter sentinel.
func (p Policy) jitter() float64 {
	if p.Jitter == NoJitter {
		return 0
	}
	return p.Jitter
}

// fieldError names the offending field while keeping ErrInvalidPolicy in the chain.
type fieldError struct{ field, problem string }

func invalid(field, problem string) error { return &fieldError{field: field, problem: problem} }

func (e *fieldError) Error() string { return "retry: " + e.field + ": " + e.problem }

func (e *fieldError) Unwrap() error { return ErrInvalidPolicy }
