package engine

import (
	"time"

	"github.com/nngbench/nngbench/harness/check"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
)

// Outcome is what one driver's run did, as a history, and the figures
// check derives from it. Every driver, raw or impl, returns one.
type Outcome struct {
	Spec               Spec // with defaults filled in
	Start, Window, End time.Time
	// Workload describes the run for its history (Name is left to the
	// caller), and Tapes are its operations: every send, failure and
	// receipt.
	Workload history.Workload
	Tapes    [][]history.Op
	// Figures are check.WorkloadFigures of the two.
	check.Figures
	// Counts are what the driver counted apart from the history, where it
	// does (raw one-way: what its senders handed over and its in-process
	// receivers got, copies included); zero elsewhere.
	Counts Counts
}

// Counts are messages a driver counted as it went.
type Counts struct {
	Sent, Received int64
}

// NewOutcome derives the figures of what tapes recorded of workload w, run
// for spec on tl.
func NewOutcome(spec Spec, tl record.Timeline, w history.Workload, tapes [][]history.Op) *Outcome {
	return &Outcome{Spec: spec, Start: tl.Start, Window: tl.Window, End: tl.End, Workload: w, Tapes: tapes,
		Figures: check.WorkloadFigures(w, tapes)}
}
