package controlplane

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/envelope"
)

// leaseGrace is the part of a lease added before a task is dispatched
// again, for results already on their way.
const leaseGrace = 10

// dispatch sends queued tasks in batches as they come: a lone task goes out
// at once, and under load tasks pile up while a push waits, so the next
// message carries a full batch. It also requeues the tasks whose lease
// ended without a result.
//
// With a data_dir a round's leases are stored before it goes out: the
// dispatcher queues their write and hands the round to sendRounds, which
// waits for the write and sends, while the dispatcher makes the next
// round; a round takes whatever is queued, up to the window, so that one
// commit serves many batches.
func (cp *ControlPlane) dispatch(ctx context.Context) {
	q := cp.tasks
	leaseFor := cp.cfg.Tasks.Lease.D()
	grace := leaseFor / leaseGrace
	rounds := 1
	if q.durable {
		rounds = max(1, cmp.Or(q.window, 256*q.batch)/q.batch)
	}
	var timer <-chan time.Time
	var timerAt time.Time
	for {
		now := cp.clk.Now()
		d := q.next(now, leaseFor, grace, rounds)
		cp.redelivered(d.redelivered, now)
		if len(d.batches) > 0 {
			if !cp.handOff(ctx, d) {
				return
			}
			continue
		}
		if !d.wakeAt.IsZero() && (timer == nil || d.wakeAt.Before(timerAt)) {
			timer, timerAt = cp.clk.After(d.wakeAt.Sub(now)), d.wakeAt
		}
		select {
		case <-ctx.Done():
			return
		case <-q.wake:
		case <-timer:
			timer = nil
		}
	}
}

// round is batches whose leases are being stored.
type round struct {
	batches []*leaseRec
	stored  <-chan error
}

// roundsInFlight bounds the rounds stored and not yet sent.
const roundsInFlight = 8

// handOff sends d's batches, or with a data_dir queues the write of their
// leases (and the removal of those no task holds any more) and hands them
// to sendRounds; false once ctx has ended.
func (cp *ControlPlane) handOff(ctx context.Context, d dispatchable) bool {
	q := cp.tasks
	if !q.durable {
		for _, l := range d.batches {
			if !cp.sendBatch(ctx, q.wire(l)) {
				return false
			}
		}
		return true
	}
	ops := make([]op, 0, len(d.batches)+len(d.ended))
	for _, l := range d.batches {
		ops = append(ops, op{kind: opPutLease, key: l.no, val: encodeLease(l.until, l.tasks)})
	}
	for _, no := range d.ended {
		ops = append(ops, op{kind: opDeleteLease, key: no})
	}
	select {
	case cp.rounds <- round{batches: d.batches, stored: cp.store.commitAsync(ops...)}:
		return true
	case <-ctx.Done():
		return false
	}
}

// sendRounds sends each round once its leases are stored: a restarted
// control plane then knows every lease a worker may hold, and its token
// still completes the task. If the store fails the batches go out all the
// same (the store refuses every later write, new tasks included, so
// nothing more is promised).
func (cp *ControlPlane) sendRounds(ctx context.Context) {
	q := cp.tasks
	for {
		var r round
		select {
		case <-ctx.Done():
			return
		case r = <-cp.rounds:
		}
		select {
		case <-ctx.Done():
			return
		case err := <-r.stored:
			if err != nil && cp.storeFailed.CompareAndSwap(false, true) {
				cp.log.Error("Could not store task leases; tasks are dispatched, but no more are accepted", "error", err)
			}
		}
		for _, l := range r.batches {
			if !cp.sendBatch(ctx, q.wire(l)) {
				return
			}
		}
	}
}

func (cp *ControlPlane) redelivered(ids []string, now time.Time) {
	if len(ids) == 0 {
		return
	}
	cp.log.Warn(fmt.Sprintf("%d tasks not completed within their lease, dispatching them again", len(ids)))
	events := make([]Event, len(ids))
	for i, id := range ids {
		events[i] = Event{Kind: TaskRedelivered, Task: id, At: now}
	}
	cp.emit(events...)
}

// sendBatch pushes one batch; false once ctx has ended. A batch that
// cannot be pushed is not lost: its lease ends and it goes out again.
func (cp *ControlPlane) sendBatch(ctx context.Context, b api.TaskBatch) bool {
	data, err := api.EncodeTasks(b)
	if err == nil {
		_, err = cp.push.PushTask(ctx, api.TaskEndpoint, data)
	}
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		cp.log.Warn(fmt.Sprintf("Could not push %d tasks, they go out again after their lease", len(b.Tasks)), "error", err)
	}
	return true
}

// readResults completes tasks from the result batches workers push.
func (cp *ControlPlane) readResults(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-cp.pull.C():
			if !ok {
				return
			}
			cp.onResults(e)
		}
	}
}

func (cp *ControlPlane) onResults(e *envelope.Envelope) {
	rb, err := api.DecodeResults(e.Data)
	if err != nil {
		cp.log.Warn("dropped a result message that is not a result batch", "sender", e.Sender, "error", err)
		return
	}
	received := cp.clk.Now()
	done, verdicts, ops := cp.tasks.complete(rb.Results)
	if len(ops) > 0 {
		// Not waited for: a completion lost in a crash only sends the task
		// out again, and the worker that ran it answers from its record.
		cp.store.enqueue(ops...)
	}
	cp.countRejected(e.Sender, verdicts, received)
	if len(cp.observers.load()) > 0 {
		seen := make([]ResultSeen, len(rb.Results))
		for i, r := range rb.Results {
			seen[i] = ResultSeen{Result: r, Received: received, First: verdicts[i] == verdictCompleted,
				Rejected: verdicts[i] == verdictRejected || verdicts[i] == verdictStale}
		}
		cp.observeResults(seen)
	}
	if len(done) == 0 {
		return
	}
	now := cp.clk.Now()
	events := make([]Event, len(done))
	for i, r := range done {
		events[i] = Event{Kind: TaskCompleted, Task: r.TaskID, Node: r.NodeID, At: now}
		if r.Error != "" {
			events[i].Detail = "failed: " + r.Error
		}
	}
	cp.emit(events...)
}

// rejectReportEvery spaces the warnings about rejected results: a peer
// sending forged results gets a count per interval, not a line each.
const rejectReportEvery = 5 * time.Second

// rejectLog counts the results rejected since its last warning.
type rejectLog struct {
	mu              sync.Mutex
	last            time.Time
	rejected, stale uint64
	senders         map[string]bool
}

// countRejected notes a batch's rejected and stale results, and warns of
// those since the last warning once rejectReportEvery has passed.
func (cp *ControlPlane) countRejected(sender string, verdicts []verdict, now time.Time) {
	var rejected, stale uint64
	for _, v := range verdicts {
		switch v {
		case verdictRejected:
			rejected++
		case verdictStale:
			stale++
		default: // completed or duplicate: counted by the queue
		}
	}
	if rejected+stale == 0 {
		return
	}
	r := &cp.rejects
	r.mu.Lock()
	r.rejected += rejected
	r.stale += stale
	if r.senders == nil {
		r.senders = map[string]bool{}
	}
	if len(r.senders) < 8 {
		r.senders[sender] = true
	}
	if now.Sub(r.last) < rejectReportEvery {
		r.mu.Unlock()
		return
	}
	msg := fmt.Sprintf("Rejected %d task results that carry no lease the control plane issued, and %d of a lease since replaced, since the last report",
		r.rejected, r.stale)
	senders := slices.Sorted(maps.Keys(r.senders))
	r.last, r.rejected, r.stale, r.senders = now, 0, 0, nil
	r.mu.Unlock()
	cp.log.Warn(msg, "senders", senders)
}
