package record

import (
	"time"

	"github.com/nngbench/nngbench/harness/result"
)

// Between returns the latency (from the intended send) of the messages
// received in the intervals that start in [from, to), or from on when to is
// zero, at the time series' precision (two significant digits) and
// granularity (Options.Interval).
func (r *Recorder) Between(from, to time.Time) result.Percentiles {
	h := r.series.newHist()
	r.series.between(from, to, h)
	return result.PercentilesOf(h, r.opts.Lowest)
}

// Phases returns, for each fault that took effect, the latency before it
// (from the start of the window), during it, and after it, replies drained
// after end included. A fault still on at end has no after phase, and its
// during phase takes the drain. Faults are named as in the result.
func (r *Recorder) Phases(faults []result.Fault, end time.Time) []result.Phase {
	var out []result.Phase
	for _, f := range faults {
		if f.StartedAt.IsZero() {
			continue // never applied: nothing to compare
		}
		healed := f.EndedAt
		if !healed.IsZero() && !healed.Before(end) {
			healed = time.Time{} // healed only as the run ended
		}
		out = append(out,
			result.Phase{Fault: f.Name, Phase: result.PhaseBefore, Latency: r.Between(r.opts.Start, f.StartedAt)},
			result.Phase{Fault: f.Name, Phase: result.PhaseDuring, Latency: r.Between(f.StartedAt, healed)})
		if !healed.IsZero() {
			out = append(out, result.Phase{Fault: f.Name, Phase: result.PhaseAfter, Latency: r.Between(healed, time.Time{})})
		}
	}
	return out
}
