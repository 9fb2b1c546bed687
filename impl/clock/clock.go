// Package clock provides the time source that retry, breaker and heartbeat code takes, so tests can replace it.
package clock

import "time"

// Clock is the time source that retry, breaker and heartbeat code takes, so tests can replace it.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives the current time once d has elapsed.
	After(d time.Duration) <-chan time.Time
}

// Real returns the system clock, backed by time.Now and time.After.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
