package analyze

import (
	"fmt"
	"strings"
	"time"

	"github.com/nngbench/nngbench/harness/check"
	"github.com/nngbench/nngbench/harness/gate"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Result derives the run's result and the workloads' histograms from h. It
// never fails: what h lacks (a workload never measured) shows in the
// result as invalid, as it did in the run.
func Result(h *history.History) (*result.Result, map[string]result.HistogramPair) {
	d := Derive(h)
	return d.Result, d.Histograms
}

// Derived is everything a history gives: the result, each measured
// workload's histograms (the .hgrm files) and its interval log (the .hlog).
type Derived struct {
	Result     *result.Result
	Histograms map[string]result.HistogramPair
	Logs       []record.Log // in workload order
}

// Derive is Result with the workloads' interval logs.
func Derive(h *history.History) Derived {
	m := h.Meta
	res := m.Result // the skeleton: what the run observed
	res.Workloads = []result.Workload{}
	res.Checks = []result.Check{}
	res.Recovery = []result.Recovery{}
	res.Gates = []result.Gate{}
	if res.Faults == nil {
		res.Faults = []result.Fault{}
	}
	hists := map[string]result.HistogramPair{}
	var logs []record.Log
	for i, w := range m.Workloads {
		w.Interval = m.Interval
		var tapes [][]history.Op
		if i < len(h.Tapes) {
			tapes = h.Tapes[i]
		}
		rw, hp, lg := workload(w, tapes, res.Faults, m.Interrupted)
		res.Workloads = append(res.Workloads, rw)
		if hp != nil {
			hists[w.Name] = *hp
			logs = append(logs, lg)
		}
	}
	for _, w := range res.Workloads {
		if w.Sent > 0 || w.Received > 0 {
			res.Checks = append(res.Checks, check.Messages(w))
		}
	}
	res.Checks = append(res.Checks, m.Result.Checks...) // the cluster's, taken after the heal
	if len(res.Faults) > 0 && !res.StartedAt.IsZero() {
		if rec := check.RecoveryOf(h); rec != nil {
			res.Recovery = rec
		}
	}
	res.Invalid = invalid(m.Result.Invalid, res)
	res.Valid = len(res.Invalid) == 0
	// Gates read the figures, verdicts included: evaluated last.
	gates := make([]scenario.Gate, len(m.Gates))
	for i, g := range m.Gates {
		gates[i] = scenario.Gate{Expr: g}
	}
	res.Gates = gate.Evaluate(&res, gates)
	return Derived{Result: &res, Histograms: hists, Logs: logs}
}

// workload is one workload's record: the figures' summary of both sides,
// over the measured window, plus what only the run knows. Sent, received
// and lost count the messages sent in the window (lost: those that never
// arrived), so that sent = received + lost for one-way patterns;
// duplicated and reordered count the whole run, warmup included.
func workload(w history.Workload, tapes [][]history.Op, faults []result.Fault, stopped time.Time) (result.Workload, *result.HistogramPair, record.Log) {
	rw := result.Workload{Name: w.Name, Pattern: w.Pattern, Mode: w.Mode, Model: w.Model,
		PlannedRate: w.Rate, Concurrency: w.Concurrency}
	if !w.Measured {
		rw.Invalid = "not measured: " + w.Failed
		return rw, nil, record.Log{}
	}
	f := check.WorkloadFigures(w, tapes)
	rec := f.Combined()
	end := w.End
	if !stopped.IsZero() && stopped.Before(end) {
		end = stopped
	}
	sum := rec.Snapshot(end)
	sum.Fill(&rw)
	rw.Duplicated, rw.Reordered = f.Loss.Duplicated, f.Loss.Reordered
	rw.Phases = f.Phases(faults, end)
	var why []string
	switch {
	case !stopped.IsZero():
		// The recorder's own verdict is left out: a window cut at an
		// arbitrary instant ends mid-schedule, which reads as a lag.
		why = append(why, fmt.Sprintf("interrupted after %.1fs of the %.1fs window",
			max(end.Sub(w.Window), 0).Seconds(), w.End.Sub(w.Window).Seconds()))
	case w.Failed != "":
		why = append(why, "driver failed: "+w.Failed)
	case !sum.Valid:
		why = append(why, sum.Invalid)
	}
	rw.Valid, rw.Invalid = len(why) == 0, strings.Join(why, "; ")
	// The log's tags are the receivers with recorders of their own (impl
	// mode: each worker), so a slow worker stands out over time.
	lg := record.Log{Name: w.Name, End: end, Total: rec, Tagged: f.ByPeer}
	return rw, &result.HistogramPair{Corrected: rec.Histogram(), Uncorrected: rec.Uncorrected(), Unit: rec.Unit()}, lg
}

// invalid lists why the run as a whole cannot be trusted, in the order:
// the run's own reasons (interruption, failures), workloads, faults.
func invalid(run []string, res result.Result) []string {
	why := append([]string(nil), run...)
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
