package run

import (
	"fmt"

	"github.com/nngbench/nngbench/harness/analyze"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
)

// result writes the run's history, reads it back, and derives from what it
// read the result, the workloads' histograms and their interval logs: the figures of a run are
// those `nngbench analyze` gets again from its history, byte for byte. A
// history that cannot be written is analyzed as it is, and the error is
// returned.
func (r *runner) result() (analyze.Derived, error) {
	h := r.history()
	err := history.WriteFile(r.o.Dir, h)
	if err == nil {
		var back *history.History
		if back, err = history.ReadFile(r.o.Dir); err == nil {
			h = back
		}
	}
	return analyze.Derive(h), err
}

// history is the run as a history: the result's skeleton (what the run
// observed), what each workload was and did, and the cluster's events.
func (r *runner) history() *history.History {
	s := r.s
	events := r.eventsOf() // first: a journal it cannot read is one of the run's failures
	skel := result.Result{
		Schema: result.Schema, Scenario: s.Name, Description: s.Description, Workers: s.Workers,
		Transport: string(s.Transport), Seed: s.Seed, DurationS: s.Duration.Seconds(), WarmupS: s.Warmup.Seconds(),
		Machine: result.LocalMachine(r.o.Commit), Faults: []result.Fault{}, Checks: r.checks,
		Cluster: r.clusterStats,
	}
	window := r.start.Add(s.Warmup)
	switch {
	case r.start.IsZero(): // the load never started
		skel.DurationS = 0
	case r.cause != nil: // what was measured: the window up to the interruption
		skel.StartedAt = window
		skel.DurationS = min(max(r.stopped.Sub(window), 0), s.Duration).Seconds()
	default:
		skel.StartedAt = window
	}
	if r.timeline != nil {
		skel.Faults = r.timeline.Records()
	}
	if r.cause != nil {
		skel.Invalid = append(skel.Invalid, fmt.Sprintf("interrupted (%v) after %v of the %v planned", r.cause,
			r.ranFor(r.stopped), s.Warmup+s.Duration))
	}
	for _, err := range r.failures {
		skel.Invalid = append(skel.Invalid, err.Error())
	}
	m := history.Meta{Schema: history.Schema, Result: skel, Interval: s.SeriesInterval(), Events: events}
	if r.cause != nil {
		m.Interrupted = r.stopped
	}
	for _, g := range s.Gates {
		m.Gates = append(m.Gates, g.Expr)
	}
	h := &history.History{}
	for i, w := range s.Workloads {
		hw, tapes := r.workload(w, r.outs[i])
		m.Workloads = append(m.Workloads, hw)
		h.Tapes = append(h.Tapes, tapes)
	}
	h.Meta = m
	return h
}

// workload is what workload w was and did, from what its driver returned.
func (r *runner) workload(w scenario.Workload, oc outcome) (history.Workload, [][]history.Op) {
	hw := history.Workload{Name: w.Name, Pattern: string(w.Pattern), Mode: string(w.Mode), Model: result.ModelOpen,
		PlannedRate: w.Rate.PerSecond, Concurrency: senders(w, r.s.Workers)}
	if oc.out != nil {
		hw = oc.out.Workload
		hw.Name, hw.Pattern, hw.Mode, hw.Concurrency = w.Name, string(w.Pattern), string(w.Mode), oc.out.Spec.Concurrency
	}
	hw.Rate, hw.Model = w.Rate.PerSecond, result.ModelOpen
	if w.Concurrency > 0 {
		hw.Model = result.ModelClosed
	}
	switch {
	case oc.out == nil:
		hw.Failed = notRun(oc.err, r.cause)
		return hw, nil
	case oc.err != nil:
		hw.Failed = oc.err.Error()
	}
	return hw, oc.out.Tapes
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

// eventsOf is the cluster's timeline for the history (Cluster.Timeline);
// a journal it cannot read is one of the run's failures.
func (r *runner) eventsOf() []history.Event {
	if r.cluster == nil {
		return []history.Event{}
	}
	events, err := r.cluster.Timeline(r.events.List())
	if err != nil {
		r.failures = append(r.failures, err)
	}
	return events
}
