package worker

import (
	"errors"
	"fmt"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/transport"
)

// deliver sends a batch's results in one ResultBatch and then journals the
// tasks executed here that have no journal line yet.
//
// The order is the point: the journal line is written only once Drain says
// the results are on the connection. A worker killed between executing and
// sending leaves no line, and the task, redelivered once its lease passes,
// gets its one line from whoever executes it then; a line written first
// would count that task twice. A result whose send failed stays recorded
// without a line, so a redelivery to this worker replays it, and the
// replay writes the line once it is sent.
//
// One batch at a time, under sendMu: Drain waits for every message pushed
// and reports losses since the previous Drain, so only with one message
// between two Drains does its answer belong to this batch.
func (w *Worker) deliver(b api.TaskBatch, results []api.TaskResult) {
	if len(results) == 0 {
		return
	}
	w.sendMu.Lock()
	defer w.sendMu.Unlock()
	w.send(b, results)
}

// send pushes results, splitting a batch too large for one message.
func (w *Worker) send(b api.TaskBatch, results []api.TaskResult) {
	err := w.pushResults(results)
	if errors.Is(err, transport.ErrTooLarge) {
		if len(results) > 1 {
			half := len(results) / 2
			w.send(b, results[:half])
			w.send(b, results[half:])
			return
		}
		// One output too large for any message: the control plane gets an
		// error in its place rather than nothing, forever.
		r := results[0]
		r.Output, r.Error = "", ErrResultTooLarge.Error()
		results = []api.TaskResult{r}
		err = w.pushResults(results)
	}
	if err != nil {
		w.counters.resultsLost.Add(uint64(len(results)))
		w.log.Warn(fmt.Sprintf("Results of %d tasks may not have reached the control plane", len(results)), "error", err)
		return
	}
	if w.leasePassed(b) {
		// Written after the lease: the control plane may have given the
		// tasks to another worker already, whose line would be a second.
		w.log.Warn(fmt.Sprintf("Results of %d tasks were written after their lease: not journaled", len(results)))
		return
	}
	w.journalResults(results)
}

// pushResults pushes one ResultBatch and waits until it is written to the
// connection (or Close's grace ends).
func (w *Worker) pushResults(results []api.TaskResult) error {
	data, err := api.EncodeResults(api.ResultBatch{Results: results})
	if err != nil {
		return err
	}
	e := envelope.New(envelope.Task, w.cfg.NodeID, api.ResultEndpoint, data)
	w.seq++
	e.Seq = w.seq
	if err := w.pusher.Push(w.flushCtx, e); err != nil {
		return err
	}
	return w.pusher.Drain(w.flushCtx)
}

// journalResults writes the lines of the delivered tasks that are recorded
// and have none yet, in one write.
func (w *Worker) journalResults(results []api.TaskResult) {
	ids := make([]string, len(results))
	for i, r := range results {
		ids[i] = r.TaskID
	}
	ids = w.done.unjournaled(ids)
	if w.journal != nil {
		if err := w.journal.append(ids); err != nil {
			w.log.Error("could not journal executed tasks", "tasks", len(ids), "error", err)
			return
		}
	}
	w.done.markJournaled(ids)
}
