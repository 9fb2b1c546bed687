package record

import (
	"fmt"
	"strings"
	"time"

	"github.com/nngbench/nngbench/harness/result"
)

// Summary is what a Recorder measured over the window from Start to end.
// Latencies are in microseconds, rates per second.
type Summary struct {
	WindowS float64 // end - Start, seconds

	Sent, Received, Errors, Timeouts, Lost int64
	Bytes                                  int64 // received
	SentBytes                              int64
	WarmupSent, WarmupReceived             int64 // before Start, in no other figure
	Clamped                                int64 // messages with a latency outside [0, Highest]

	SendRate, RecvRate float64
	BytesPerS          float64 // received

	Latency            result.Percentiles // from the intended send
	LatencyUncorrected result.Percentiles // from the actual send
	Lag                result.Percentiles // actual minus intended send
	Intervals          []result.Interval

	Valid   bool
	Invalid string // why not, when Valid is false
}

// Snapshot summarises what r recorded, with rates over [Start, end).
// Everything recorded counts, replies that arrive after end included
// (their intervals follow the window's): stop feeding r at the end of the
// drain, not at end. The run is invalid when latencies had to be clamped (the histograms could
// not hold them, or the clocks disagree) or when Options.Planned is set and
// the generator fell more than MaxBehind behind it.
func (r *Recorder) Snapshot(end time.Time) Summary {
	s := Summary{
		WindowS:            end.Sub(r.opts.Start).Seconds(),
		Sent:               r.n.sent,
		Received:           r.n.received,
		Errors:             r.n.errors,
		Timeouts:           r.n.timeouts,
		Lost:               r.n.lost,
		Bytes:              r.n.recvBytes,
		SentBytes:          r.n.sentBytes,
		WarmupSent:         r.n.warmupSent,
		WarmupReceived:     r.n.warmupReceived,
		Clamped:            r.n.clamped,
		Latency:            result.PercentilesOf(r.latency, r.opts.Lowest),
		LatencyUncorrected: result.PercentilesOf(r.uncorrected, r.opts.Lowest),
		Lag:                result.PercentilesOf(r.lag, r.opts.Lowest),
		Intervals:          r.series.intervals(end, r.opts.Lowest),
	}
	if s.WindowS > 0 { // else the rates stay 0: no window, no rate (and no NaN in result.json)
		s.SendRate = float64(s.Sent) / s.WindowS
		s.RecvRate = float64(s.Received) / s.WindowS
		s.BytesPerS = float64(s.Bytes) / s.WindowS
	}
	var why []string
	if s.Clamped > 0 {
		why = append(why, fmt.Sprintf("%d messages had a latency outside [0, %v], clamped", s.Clamped, r.opts.Highest))
	}
	if r.opts.Planned > 0 {
		if behind, invalid := r.Behind(r.opts.Planned, end); invalid {
			why = append(why, fmt.Sprintf("generator %.1f%% behind plan of %g/s (more than %g%%), up to %v late",
				100*behind, r.opts.Planned, 100*MaxBehind, lateBy(s.Lag.Max)))
		}
	}
	s.Valid = len(why) == 0
	s.Invalid = strings.Join(why, "; ")
	return s
}

// Behind compares the messages sent in the window from Start to end with
// the planned rate (messages per second): lagFraction is the share of the
// plan not sent, invalid says it is more than MaxBehind. An open-loop
// generator that cannot keep up still stamps each message with its place in
// the schedule, so what it falls behind by is the tail of the schedule it
// never reached before end. Nothing planned, or no window, is never behind.
func (r *Recorder) Behind(planned float64, end time.Time) (lagFraction float64, invalid bool) {
	want := planned * end.Sub(r.opts.Start).Seconds()
	if !(want > 0) { // also NaN
		return 0, false
	}
	missing := want - float64(r.n.sent)
	if missing <= 0 {
		return 0, false
	}
	// Compare counts, not the fraction: 100 of 10,000 missing is exactly
	// 1% and valid, where 1-9900/10000 is a hair above 0.01 in floating point.
	return missing / want, missing > MaxBehind*want
}

// Fill copies s into w, leaving what the recorder does not know (name,
// pattern, mode, model, plan, concurrency, duplicates, reordering, phases).
func (s Summary) Fill(w *result.Workload) {
	w.Sent, w.Received = s.Sent, s.Received
	w.Errors, w.Timeouts, w.Lost = s.Errors, s.Timeouts, s.Lost
	w.SendRate, w.RecvRate, w.BytesPerS = s.SendRate, s.RecvRate, s.BytesPerS
	w.Latency, w.LatencyUncorrected, w.Lag = s.Latency, s.LatencyUncorrected, s.Lag
	w.Intervals = s.Intervals
	w.Valid, w.Invalid = s.Valid, s.Invalid
}

// lateBy is a lag in microseconds as a duration people read: to the
// millisecond past one, else to the microsecond.
func lateBy(us float64) time.Duration {
	d := time.Duration(us * float64(time.Microsecond))
	if d >= time.Millisecond {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}
