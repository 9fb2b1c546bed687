package record

import "time"

// Defaults of Options.
const (
	DefaultInterval = time.Second
	DefaultLowest   = time.Microsecond
	DefaultHighest  = 60 * time.Second
	DefaultSigFigs  = 3
)

// MaxBehind is the share of the planned sends a generator may miss before
// its run no longer measures the rate it claims: 1%.
const MaxBehind = 0.01

// Options configure a Recorder; zero fields take the defaults.
type Options struct {
	// Start is where the measured window begins: the end of warmup.
	// Messages intended before it are counted as warmup and left out of
	// every figure. Required.
	Start time.Time
	// Interval is the width of one bucket of the time series; default 1s.
	Interval time.Duration
	// Lowest is the smallest latency told apart, and what one histogram
	// count stands for; default 1µs.
	Lowest time.Duration
	// Highest is the largest latency the histograms hold; longer ones are
	// recorded as Highest and counted as clamped. Default 60s.
	Highest time.Duration
	// SigFigs is how many significant decimal digits the histograms keep,
	// 1 to 5; default 3 (0.1%).
	SigFigs int
	// Planned is the rate this recorder's senders were asked for, in
	// messages per second. Snapshot marks the run invalid when they sent
	// more than MaxBehind fewer than planned. 0 skips the check (receive
	// only, or closed loop). Merge adds the plans of the recorders it joins.
	Planned float64
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Lowest <= 0 {
		o.Lowest = DefaultLowest
	}
	if o.Highest <= 0 {
		o.Highest = DefaultHighest
	}
	o.Highest = max(o.Highest, o.Lowest)
	if o.SigFigs <= 0 {
		o.SigFigs = DefaultSigFigs
	}
	o.SigFigs = min(o.SigFigs, 5)
	return o
}

// sameScale says whether histograms made with o and p hold the same values
// in the same units, which Merge needs.
func (o Options) sameScale(p Options) bool {
	return o.Interval == p.Interval && o.Lowest == p.Lowest && o.Highest == p.Highest && o.SigFigs == p.SigFigs
}
