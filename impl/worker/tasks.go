package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

// outcome is one task's result in a batch; owned results were executed by
// this batch, which holds the task's claim.
type outcome struct {
	res   api.TaskResult
	owned bool
}

// taskLoop takes task batches until ctx ends; Concurrency of them run.
func (w *Worker) taskLoop(ctx context.Context) {
	defer w.taskLoops.Done()
	for {
		e, err := w.puller.Recv(ctx)
		if err != nil {
			return // ctx ended or the puller closed: the worker is closing
		}
		if e.Endpoint != api.TaskEndpoint {
			w.log.Warn("ignored a message on the task socket", "endpoint", e.Endpoint, "id", e.ID)
			continue
		}
		b, err := api.DecodeTasks(e.Data)
		if err != nil {
			w.log.Warn("ignored a task batch that does not decode", "id", e.ID, "error", err)
			continue
		}
		w.runBatch(ctx, b)
	}
}

// runBatch executes a batch and delivers its results, unless its lease
// passed: the control plane may by then have given the tasks to another
// worker, so they are neither answered nor recorded as completed.
func (w *Worker) runBatch(ctx context.Context, b api.TaskBatch) {
	out, expired := w.execBatch(ctx, b)
	if expired || w.leasePassed(b) {
		for _, o := range out {
			if o.owned {
				w.done.release(o.res.TaskID, nil)
			}
		}
		w.counters.expired.Add(uint64(len(b.Tasks)))
		w.log.Warn(fmt.Sprintf("Dropped a batch of %d tasks: its lease passed at %s",
			len(b.Tasks), b.LeaseUntil.Format(time.RFC3339Nano)))
		return
	}
	results := make([]api.TaskResult, len(out))
	for i, o := range out {
		if o.owned {
			w.done.release(o.res.TaskID, &o.res)
		}
		results[i] = o.res
	}
	w.deliver(b, results)
}

// execBatch runs the batch's tasks in order: each id once (the first time
// it appears), a completed one answered from the record, one running in
// another batch left to that batch. It stops early when the lease passes
// (expired: no use running what will be dropped) or ctx ends (the
// interrupted task is released; the others are delivered).
func (w *Worker) execBatch(ctx context.Context, b api.TaskBatch) (out []outcome, expired bool) {
	seen := make(map[string]bool, len(b.Tasks))
	for _, t := range b.Tasks {
		if w.leasePassed(b) {
			return out, true
		}
		if seen[t.ID] {
			continue
		}
		seen[t.ID] = true
		if strings.ContainsAny(t.ID, "\r\n") || t.ID == "" {
			// Such an id cannot be a journal line; it is refused, not run.
			out = append(out, outcome{res: api.TaskResult{TaskID: t.ID, NodeID: w.cfg.NodeID,
				Error: fmt.Sprintf("%v: task id %q", ErrBadRequest, t.ID)}})
			continue
		}
		rec, cl := w.done.claim(t.ID)
		switch cl {
		case claimBusy:
			continue
		case claimDone:
			res, err := w.replay(ctx, rec, t)
			if err != nil {
				return out, false
			}
			out = append(out, outcome{res: res})
		case claimRun:
			res, err := w.execute(ctx, t)
			if err != nil {
				w.done.release(t.ID, nil)
				return out, false
			}
			w.counters.executed.Add(1)
			out = append(out, outcome{res: res, owned: true})
		}
	}
	return out, false
}

func (w *Worker) leasePassed(b api.TaskBatch) bool {
	return !b.LeaseUntil.IsZero() && w.clk.Now().After(b.LeaseUntil)
}

// replay answers a completed task without executing it again. An id read
// back from the journal has no stored result; the kinds are deterministic,
// so its output is computed again (without the sleep) rather than invented.
func (w *Worker) replay(ctx context.Context, rec record, t api.Task) (api.TaskResult, error) {
	res := rec.result
	if !rec.hasResult {
		var err error
		if res, err = w.compute(ctx, t); err != nil {
			return res, err
		}
	}
	res.NodeID, res.Lease, res.Replayed = w.cfg.NodeID, t.Lease, true // this batch's lease
	w.counters.replayed.Add(1)
	return res, nil
}

// execute runs a task: sleep waits SleepMS, interrupted when ctx ends. The
// result carries when the execution started and finished.
func (w *Worker) execute(ctx context.Context, t api.Task) (api.TaskResult, error) {
	started := w.clk.Now()
	if t.Kind == api.TaskSleep && t.SleepMS > 0 {
		select {
		case <-w.clk.After(time.Duration(t.SleepMS) * time.Millisecond):
		case <-ctx.Done():
			return api.TaskResult{}, ctx.Err()
		}
	}
	r, err := w.compute(ctx, t)
	r.StartedAt, r.FinishedAt = started, w.clk.Now()
	return r, err
}

// compute is a task's result; an unknown kind is a result with an error.
func (w *Worker) compute(ctx context.Context, t api.Task) (api.TaskResult, error) {
	r := api.TaskResult{TaskID: t.ID, NodeID: w.cfg.NodeID, Lease: t.Lease}
	switch t.Kind {
	case api.TaskEcho, api.TaskSleep:
		r.Output = t.Payload
	case api.TaskHash:
		out, err := hashRounds(ctx, t.Payload, t.Rounds)
		if err != nil {
			return r, err
		}
		r.Output = out
	default:
		r.Error = fmt.Sprintf("%v %q", ErrUnknownKind, t.Kind)
	}
	return r, nil
}

// hashRounds is the hex SHA-256 of payload, then of that hex, rounds times
// (at least once). A long one checks ctx now and then.
func hashRounds(ctx context.Context, payload string, rounds int) (string, error) {
	buf := []byte(payload)
	hexSum := make([]byte, hex.EncodedLen(sha256.Size))
	for i := range max(rounds, 1) {
		if i%4096 == 4095 && ctx.Err() != nil {
			return "", ctx.Err()
		}
		sum := sha256.Sum256(buf) // reads buf before hexSum, which buf may be, is written
		hex.Encode(hexSum, sum[:])
		buf = hexSum
	}
	return string(hexSum), nil
}
