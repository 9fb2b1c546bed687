package engine

import (
	"fmt"
	"time"

	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Defaults of Spec.
const (
	DefaultGrace   = time.Second
	DefaultTimeout = time.Second
)

// Spec is one workload's load, as every driver reads it; what only one
// mode has (raw peers and transports, impl endpoints and tasks) is that
// mode's own spec, which embeds this one.
type Spec struct {
	Pattern scenario.Pattern
	// Rate is messages per second over all workers; 0 runs closed loop.
	Rate float64
	// Concurrency is how many workers share the schedule (open loop) or
	// how many messages are in flight (closed loop); each mode has its own
	// default.
	Concurrency int
	// Size is each payload's size in bytes, drawn per message; default
	// scenario.DefaultSize.
	Size scenario.SizeRange
	// Duration is the measured window; Warmup comes before it and is
	// counted apart.
	Duration, Warmup time.Duration
	// Seed seeds the payload sizes.
	Seed int64
	// Grace bounds the drain after the last send: what is still in flight
	// gets until then to arrive. Default DefaultGrace.
	Grace time.Duration
	// Timeout bounds how long a request or survey waits for its answers
	// (and, raw, each blocking send). Default DefaultTimeout.
	Timeout time.Duration
	// ExpectedInterval is, closed loop only, how often one in-flight slot
	// would send if nothing stalled: replies are recorded with
	// ReceivedClosedLoop, which fills in the requests a stall held back.
	// 0 fills in nothing (corrected = uncorrected).
	ExpectedInterval time.Duration
	// Observe, if set, is called for every message a peer received, as
	// the drivers learn of it: it must be safe for concurrent use. For
	// tests and live views.
	Observe func(peer int, s Stamp)
	// Pacer, if set, schedules the open loop instead of a ConstantPacer at
	// Rate for Warmup+Duration.
	Pacer Pacer
}

// Problems returns what is wrong with the fields every driver reads alike
// (rate, duration, warmup, size), each wrapping kind.
func (s Spec) Problems(kind error) []error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{kind}, a...)...))
	}
	if !(s.Rate >= 0) {
		bad("rate %v: must be >= 0", s.Rate)
	}
	if s.Duration <= 0 {
		bad("duration %v: must be > 0", s.Duration)
	}
	if s.Warmup < 0 {
		bad("warmup %v: must be >= 0", s.Warmup)
	}
	if s.Size.Max < s.Size.Min {
		bad("size %v: max below min", s.Size)
	}
	return errs
}

// WithDefaults fills in the zero fields every mode defaults alike (size,
// grace, timeout); Concurrency is the mode's.
func (s Spec) WithDefaults() Spec {
	if s.Size == (scenario.SizeRange{}) {
		s.Size = scenario.SizeRange{Min: scenario.DefaultSize, Max: scenario.DefaultSize}
	}
	if s.Grace <= 0 {
		s.Grace = DefaultGrace
	}
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	return s
}

// MinEndSlack is the least Spec.endSlack: how long a process may stall
// at the very end of a run (a loaded machine's scheduler, a GC pause)
// before the generator counts as behind, which would otherwise decide how
// many messages a short run sends.
const MinEndSlack = 50 * time.Millisecond

// endSlack is how long the open loop may have been behind at the end and
// still send what was due before it (ScheduleOptions.Slack):
// record.MaxBehind of the window, at least MinEndSlack. A generator that
// cannot keep the rate is behind for longer than that at the end and stops
// there, so the verdict on it does not depend on this.
func (s Spec) endSlack() time.Duration {
	return max(time.Duration(record.MaxBehind*float64(s.Duration)), MinEndSlack)
}

// pacer is s's open-loop schedule.
func (s Spec) pacer() Pacer {
	if s.Pacer != nil {
		return s.Pacer
	}
	return ConstantPacer{Freq: s.Rate, Duration: s.Warmup + s.Duration}
}
