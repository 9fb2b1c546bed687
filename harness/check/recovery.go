package check

import (
	"slices"
	"strings"
	"time"

	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/internal/stats"
)

// Within is how close to its pre-fault figure a workload must come again
// to count as recovered: p99 at most 10% above, throughput at most 10%
// below.
const Within = 0.10

// Run is what Recovery reads of a finished run.
type Run struct {
	Window    time.Time            // start of the measured window (interval 0)
	Interval  time.Duration        // width of the result's intervals
	Faults    []result.Fault       // with the times they really started and ended
	Events    []controlplane.Event // the control plane's, in order
	Workloads []result.Workload    // with their intervals
	Config    *ConfigWatch         // nil: no convergence figures
}

// Recovery returns, per fault that took effect, how long the system took:
//   - detection: from the fault's start to the first of its workers going offline;
//   - migration: from that to the last instance moved off it;
//   - convergence: from the heal until every online worker was on the latest config;
//   - performance: from the heal until every workload's p99 and throughput were
//     back within Within of the intervals before the fault.
//
// A figure that does not apply (no worker went offline, the fault was
// never healed, nothing recovered before the run ended) is nil.
func Recovery(r Run) []result.Recovery {
	var out []result.Recovery
	for _, f := range r.Faults {
		if f.StartedAt.IsZero() {
			continue
		}
		rec := result.Recovery{Fault: f.Name}
		targets := strings.Split(f.Target, ",")
		if off, ok := firstEvent(r.Events, controlplane.NodeOffline, targets, f.StartedAt); ok {
			rec.DetectionS = secs(off.At.Sub(f.StartedAt))
			if moved, ok := lastMigration(r.Events, off); ok {
				rec.MigrationS = secs(moved.Sub(off.At))
			}
		}
		if !f.EndedAt.IsZero() {
			if r.Config != nil {
				if d, ok := r.Config.ConvergedAfter(f.EndedAt); ok {
					rec.ConvergenceS = secs(d)
				}
			}
			rec.PerformanceS = performance(r, f)
		}
		out = append(out, rec)
	}
	return out
}

func secs(d time.Duration) *float64 { s := d.Seconds(); return &s }

func firstEvent(events []controlplane.Event, kind controlplane.EventKind, nodes []string, after time.Time) (controlplane.Event, bool) {
	for _, e := range events {
		if e.Kind == kind && !e.At.Before(after) && slices.Contains(nodes, e.Node) {
			return e, true
		}
	}
	return controlplane.Event{}, false
}

// lastMigration is when the last instance moved off off.Node, before the
// migration of that node was declared done.
func lastMigration(events []controlplane.Event, off controlplane.Event) (time.Time, bool) {
	var last time.Time
	for _, e := range events {
		if e.At.Before(off.At) {
			continue
		}
		if e.Kind == controlplane.InstanceMigrated && e.Detail == "from "+off.Node {
			last = e.At
		}
		if e.Kind == controlplane.MigrationDone && e.Node == off.Node {
			break
		}
	}
	return last, !last.IsZero()
}

// performance is how long after f's heal the slowest workload to recover
// took, by whole intervals; nil if one never did or none had a baseline.
// The baseline is the window before the fault: its p99 from the workload's
// "before" phase (one histogram over the window, steadier than any one
// interval's) or else the median of the intervals' p99s, and the median
// count received per interval.
func performance(r Run, f result.Fault) *float64 {
	if r.Interval <= 0 {
		return nil
	}
	start := f.StartedAt.Sub(r.Window).Seconds()
	heal := f.EndedAt.Sub(r.Window).Seconds()
	width := r.Interval.Seconds()
	worst, any := 0.0, false
	for _, w := range r.Workloads {
		var p99s, recv []float64
		for _, iv := range w.Intervals {
			if iv.TS+width <= start && iv.Received > 0 { // whole intervals before the fault
				p99s, recv = append(p99s, iv.P99US), append(recv, float64(iv.Received))
			}
		}
		if len(p99s) == 0 {
			continue // no baseline to come back to
		}
		baseP99, baseRecv := stats.Median(p99s), stats.Median(recv)
		for _, ph := range w.Phases {
			if ph.Fault == f.Name && ph.Phase == result.PhaseBefore && ph.Latency.Count > 0 {
				baseP99 = ph.Latency.P99
			}
		}
		back := -1.0
		for _, iv := range w.Intervals {
			if iv.TS >= heal && iv.Received > 0 && iv.P99US <= (1+Within)*baseP99 && float64(iv.Received) >= (1-Within)*baseRecv {
				back = iv.TS + width - heal // the interval had to end to be known
				break
			}
		}
		if back < 0 {
			return nil
		}
		worst, any = max(worst, back), true
	}
	if !any {
		return nil
	}
	return &worst
}
