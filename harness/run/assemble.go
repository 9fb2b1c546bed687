package run

import (
	"fmt"
	"strings"

	"github.com/nngbench/nngbench/harness/gate"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
)

// result builds the run's result and the workloads' histograms from what
// the drivers returned.
func (r *runner) result() (*result.Result, map[string]result.HistogramPair) {
	s := r.s
	res := &result.Result{
		Schema: result.Schema, Scenario: s.Name, Description: s.Description, Workers: s.Workers,
		Transport: string(s.Transport), Seed: s.Seed, DurationS: s.Duration.Seconds(), WarmupS: s.Warmup.Seconds(),
		Machine: result.LocalMachine(r.o.Commit), Workloads: []result.Workload{}, Faults: []result.Fault{},
		Checks: []result.Check{}, Recovery: []result.Recovery{}, Gates: []result.Gate{},
	}
	window := r.start.Add(s.Warmup)
	switch {
	case r.start.IsZero(): // the load never started
		res.DurationS = 0
	case r.cause != nil: // what was measured: the window up to the interruption
		res.StartedAt = window
		res.DurationS = min(max(r.stopped.Sub(window), 0), s.Duration).Seconds()
	default:
		res.StartedAt = window
	}
	if r.timeline != nil {
		res.Faults = r.timeline.Records()
	}
	hists := map[string]result.HistogramPair{}
	for i, w := range s.Workloads {
		rw, h := r.workload(w, r.outs[i], res.Faults)
		res.Workloads = append(res.Workloads, rw)
		if h != nil {
			hists[w.Name] = *h
		}
	}
	res.Checks = r.checksOf(res)
	res.Recovery = r.recovery(res)
	res.Invalid = r.invalid(res)
	res.Valid = len(res.Invalid) == 0
	// Gates read the figures, verdicts included: evaluated last.
	res.Gates = gate.Evaluate(res, s.Gates)
	return res, hists
}

// workload is one workload's record: the recorder's summary of both sides,
// plus what only the run knows. Sent, received and lost count the measured
// window (lost: messages of the window that never arrived), so that sent =
// received + lost for one-way patterns; duplicated and reordered come from
// the stamps of the whole run, warmup included.
func (r *runner) workload(w scenario.Workload, oc outcome, faults []result.Fault) (result.Workload, *result.HistogramPair) {
	rw := result.Workload{
		Name: w.Name, Pattern: string(w.Pattern), Mode: string(w.Mode), Model: result.ModelOpen,
		PlannedRate: w.Rate.PerSecond, Concurrency: senders(w, r.s.Workers),
	}
	if w.Concurrency > 0 {
		rw.Model = result.ModelClosed
	}
	var why []string
	if oc.out == nil {
		why = append(why, "not measured: "+notRun(oc.err, r.cause))
		rw.Invalid = strings.Join(why, "; ")
		return rw, nil
	}
	o := oc.out
	rw.Concurrency = o.Spec.Concurrency
	rec := o.Combined()
	end := o.End
	if r.cause != nil && r.stopped.Before(end) {
		end = r.stopped
	}
	sum := rec.Snapshot(end)
	sum.Fill(&rw)
	rw.Duplicated, rw.Reordered = o.Loss.Duplicated, o.Loss.Reordered
	rw.Phases = o.Recv.Phases(faults, end)
	switch {
	case r.cause != nil:
		// The recorder's own verdict is left out: a window cut at an
		// arbitrary instant ends mid-schedule, which reads as a lag.
		why = append(why, fmt.Sprintf("interrupted after %.1fs of the %.1fs window", max(end.Sub(o.Window), 0).Seconds(), r.s.Duration.Seconds()))
	case oc.err != nil:
		why = append(why, "driver failed: "+oc.err.Error())
	case !sum.Valid:
		why = append(why, sum.Invalid)
	}
	rw.Valid, rw.Invalid = len(why) == 0, strings.Join(why, "; ")
	return rw, &result.HistogramPair{Corrected: rec.Histogram(), Uncorrected: rec.Uncorrected(), Unit: rec.Unit()}
}

// notRun says why a workload has no outcome.
func notRun(err, cause error) string {
	switch {
	case err != nil:
		return err.Error()
	case cause != nil:
		return "the run was interrupted before it started"
	default:
		return "the run failed before it started"
	}
}

// invalid lists why the run as a whole cannot be trusted, in the order:
// interruption, failures, workloads, faults.
func (r *runner) invalid(res *result.Result) []string {
	var why []string
	if r.cause != nil {
		why = append(why, fmt.Sprintf("interrupted (%v) after %v of the %v planned", r.cause,
			r.ranFor(r.stopped), r.s.Warmup+r.s.Duration))
	}
	for _, err := range r.failures {
		why = append(why, err.Error())
	}
	for _, w := range res.Workloads {
		if !w.Valid {
			why = append(why, fmt.Sprintf("workload %s: %s", w.Name, w.Invalid))
		}
	}
	for _, f := range res.Faults {
		if f.Error != "" {
			why = append(why, fmt.Sprintf("fault %s: %s", f.Name, f.Error))
		}
	}
	return why
}
