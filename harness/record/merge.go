package record

import (
	"errors"
	"fmt"
)

// ErrMismatch is returned by Merge for recorders whose histograms or series
// do not line up.
var ErrMismatch = errors.New("record: recorders do not match")

// Merge adds everything o recorded to r: histograms, counters, plans, and
// the series bucket by bucket index. Start is not compared: recorders of
// one run share it, and each has already used its own to set warmup apart.
// o is left as it was. It fails, changing nothing, when the two differ in
// Interval, Lowest, Highest or SigFigs, or when o is r.
func (r *Recorder) Merge(o *Recorder) error {
	switch {
	case o == nil:
		return nil
	case o == r:
		return fmt.Errorf("%w: a recorder merged into itself would count twice", ErrMismatch)
	case !r.opts.sameScale(o.opts):
		return fmt.Errorf("%w: interval/lowest/highest/sigfigs %v/%v/%v/%d vs %v/%v/%v/%d", ErrMismatch,
			r.opts.Interval, r.opts.Lowest, r.opts.Highest, r.opts.SigFigs,
			o.opts.Interval, o.opts.Lowest, o.opts.Highest, o.opts.SigFigs)
	}
	// Same scale, so no value can fall outside r's histograms.
	r.latency.Merge(o.latency)
	r.uncorrected.Merge(o.uncorrected)
	r.lag.Merge(o.lag)
	r.series.merge(&o.series)
	r.n.add(o.n)
	r.opts.Planned += o.opts.Planned
	return nil
}
