package implload

import (
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
)

// tape is one run's history while it runs: every send, failure and
// receipt, for check.WorkloadFigures to count (load.NewOutcome). Unlike a
// history.Tape it is safe for concurrent use: the drivers send from many
// goroutines and receipts come in on the control plane's.
type tape struct {
	spec Spec
	tl   record.Timeline
	w    history.Workload
	ops  history.Locked
}

// newTape starts the history of spec's run over workers, each message owed
// as o says; the drivers set the workload's other figures.
func newTape(spec Spec, tl record.Timeline, workers []string, o history.Owed) *tape {
	w := history.Workload{Pattern: string(spec.Pattern), Mode: string(scenario.ModeImpl), Model: result.ModelOpen,
		PlannedRate: spec.Rate, Concurrency: spec.Concurrency, Peers: workers, Owed: o,
		Start: tl.Start, Window: tl.Window, End: tl.End, Measured: true}
	if spec.Rate == 0 {
		w.Model, w.ExpectedInterval = result.ModelClosed, spec.ExpectedInterval
	}
	return &tape{spec: spec, tl: tl, w: w}
}

// sent notes message seq of sender, due at intended, handed over at
// actual, for peer (history.NoPeer: any or all).
func (t *tape) sent(sender uint32, seq uint64, peer int, intended, actual time.Time, bytes int) {
	t.ops.Add(history.SendOp(sender, seq, int32(peer), intended.UnixNano(), actual.UnixNano(), bytes)) //nolint:gosec // peer < workers
}

// sendFailed notes a message due at intended that could not be handed over at actual.
func (t *tape) sendFailed(seq uint64, intended, actual time.Time) {
	t.ops.Add(history.FailOp(0, seq, history.NoPeer, intended.UnixNano(), actual.UnixNano(), history.Error))
}

// failed notes that message seq, sent to peer and due at intended, failed
// at at: no answer in time (timeout), or an error reply or another failure.
func (t *tape) failed(seq uint64, peer int, intended, at time.Time, timeout bool) {
	o := history.Error
	if timeout {
		o = history.Timeout
	}
	t.ops.Add(history.FailOp(0, seq, int32(peer), intended.UnixNano(), at.UnixNano(), o)) //nolint:gosec // peer < workers
}

// received notes op, a receipt of a message due at intended and sent at
// actual, and tells Observe of it unless it came by snapshot or replay.
func (t *tape) received(op history.Op, intended, actual time.Time) {
	t.ops.Add(op)
	if t.spec.Observe != nil && op.Flags&(history.FlagSnapshot|history.FlagReplayed) == 0 {
		t.spec.Observe(int(op.Peer), engine.Stamp{Sender: op.Sender, Seq: op.Seq, Intended: intended, Actual: actual})
	}
}

// outcome is what the tape says; call it once every sender and receiver
// has finished.
func (t *tape) outcome() *engine.Outcome {
	return engine.NewOutcome(t.spec.Spec, t.tl, t.w, [][]history.Op{t.ops.Ops()})
}
