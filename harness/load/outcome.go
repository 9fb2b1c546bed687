package load

import (
	"fmt"
	"time"

	"github.com/nngbench/nngbench/harness/check"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Outcome is what one Run did, as a history, and the figures check derives from it.
type Outcome struct {
	Spec               Spec // with defaults filled in
	Start, Window, End time.Time
	// Workload describes the run for its history (Name is left to the caller), and Tapes
	// are its operations: every send, failure and receipt.
	Workload history.Workload
	Tapes    [][]history.Op
	// Figures are check.WorkloadFigures of the two: for reqrep, Peers are the requesting
	// goroutines (each is owed its own replies); for survey, the respondents.
	check.Figures

	// sent and received count, one way, what the senders handed over and
	// the receivers got, copies included, apart from the history: what
	// the benchmark of the history's cost compares.
	sent, received int64
}

// NewOutcome derives the figures of what tapes recorded of workload w, run for spec on c.
func NewOutcome(spec Spec, c record.Timeline, w history.Workload, tapes [][]history.Op) *Outcome {
	return &Outcome{Spec: spec, Start: c.Start, Window: c.Window, End: c.End, Workload: w, Tapes: tapes,
		Figures: check.WorkloadFigures(w, tapes)}
}

// workload describes spec's run over peers receivers for its history: who is owed what, and
// which figures apply.
func (s Spec) workload(c record.Timeline, each bool, peers int, killed []int) history.Workload {
	w := history.Workload{Pattern: string(s.Pattern), Mode: string(scenario.ModeRaw), Model: result.ModelOpen,
		PlannedRate: s.Rate, Concurrency: s.Concurrency, Owed: history.OwedAny, Ordered: true,
		Start: c.Start, Window: c.Window, End: c.End, Killed: killed, Measured: true}
	if s.Rate == 0 {
		w.Model, w.ExpectedInterval = result.ModelClosed, s.ExpectedInterval
	}
	name := "peer-%d"
	switch {
	case s.Pattern == scenario.PatternReqRep:
		w.Owed, name = history.OwedOne, "sender-%d" // a reply is owed to the goroutine that asked
	case s.Pattern == scenario.PatternSurvey:
		w.Owed, w.Last, w.Survey, w.Ordered = history.OwedEach, history.LastEach, true, false
	case each:
		w.Owed, w.Last = history.OwedEach, history.LastEach
	}
	for i := range peers {
		w.Peers = append(w.Peers, fmt.Sprintf(name, i))
	}
	return w
}
