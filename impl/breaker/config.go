// Package breaker implements a closed / open / half-open circuit breaker that stops calls to a failing dependency.
package breaker

import (
	"errors"
	"time"
)

// Default values that WithDefaults fills into zero Config fields.
const (
	DefaultFailureThreshold = 5
	DefaultResetTimeout     = 60 * time.Second
	DefaultHalfOpenProbes   = 1
)

// ErrInvalidConfig is wrapped by every problem that Validate reports.
var ErrInvalidConfig = errors.New("breaker: invalid config")

// Config tunes a Breaker. Zero fields take defaults in WithDefaults.
type Config struct {
	// FailureThreshold is the number of consecutive failures that opens the
	// breaker; 0 means DefaultFailureThreshold (5).
	FailureThreshold int
	// ResetTimeout is how long the breaker stays open before admitting a
	// probe; 0 means DefaultResetTimeout (60s).
	ResetTimeout time.Duration
	// HalfOpenProbes is the number of requests admitted while half-open; 0
	// means DefaultHalfOpenProbes (1).
	HalfOpenProbes int
	// OnStateChange, if set, is called for every transition, outside the
	// breaker's lock. Calls are serialized and arrive in transition order, but
	// may run on a goroutine other than the one that caused the transition.
	OnStateChange func(name string, from, to State)
}

// WithDefaults returns c with every zero field replaced by its default.
func (c Config) WithDefaults() Config {
	if c.FailureThreshold == 0 {
		c.FailureThreshold = DefaultFailureThreshold
	}
	if c.ResetTimeout == 0 {
		c.ResetTimeout = DefaultResetTimeout
	}
	if c.HalfOpenProbes == 0 {
		c.HalfOpenProbes = DefaultHalfOpenProbes
	}
	return c
}

// Validate checks a config that has already been through WithDefaults. It
// reports every problem, each naming its field, joined with errors.Join; each
// wraps ErrInvalidConfig.
func (c Config) Validate() error {
	var errs []error
	if c.FailureThreshold <= 0 {
		errs = append(errs, invalid("failure_threshold", "must be > 0"))
	}
	if c.ResetTimeout <= 0 {
		errs = append(errs, invalid("reset_timeout", "must be > 0"))
	}
	if c.HalfOpenProbes <= 0 {
		errs = append(errs, invalid("half_open_probes", "must be > 0"))
	}
	return errors.Join(errs...)
}

// fieldError names the offending field while keeping ErrInvalidConfig in the chain.
type fieldError struct{ field, problem string }

func invalid(field, problem string) error { return &fieldError{field: field, problem: problem} }

func (e *fieldError) Error() string { return "breaker: " + e.field + ": " + e.problem }

func (e *fieldError) Unwrap() error { return ErrInvalidConfig }
