// Package wait is how the module's tests wait for something asynchronous:
// poll a condition until it holds or a deadline passes, never a fixed sleep.
package wait

import (
	"fmt"
	"testing"
	"time"
)

// poll is how often the condition is looked at; small against every
// deadline the tests use, large enough not to load the machine.
const poll = 2 * time.Millisecond

// Until polls cond until it holds and returns how long that took, or fails
// the test once d has passed, saying what did not happen.
func Until(t testing.TB, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(d)
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		<-tick.C
	}
	return time.Since(start)
}

// Untilf is Until with a formatted description.
func Untilf(t testing.TB, d time.Duration, cond func() bool, format string, args ...any) time.Duration {
	t.Helper()
	return Until(t, d, fmt.Sprintf(format, args...), cond)
}
