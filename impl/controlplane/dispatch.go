package controlplane

import (
	"context"
	"fmt"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/logging"
)

// leaseGrace is the part of a lease added before a task is dispatched
// again, for results already on their way.
const leaseGrace = 10

// dispatch sends queued tasks in batches as they come: a lone task goes out
// at once, and under load tasks pile up while a push waits, so the next
// message carries a full batch. It also requeues the tasks whose lease
// ended without a result.
func (cp *ControlPlane) dispatch(ctx context.Context) {
	q := cp.tasks
	leaseFor := cp.cfg.Tasks.Lease.D()
	grace := leaseFor / leaseGrace
	var timer <-chan time.Time
	var timerAt time.Time
	for {
		now := cp.clk.Now()
		d := q.next(now, leaseFor, grace)
		cp.redelivered(d.redelivered, now)
		if len(d.tasks) > 0 {
			if !cp.sendBatch(ctx, d) {
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
func (cp *ControlPlane) sendBatch(ctx context.Context, d dispatchable) bool {
	data, err := api.EncodeTasks(api.TaskBatch{Tasks: d.tasks, LeaseUntil: d.leaseUntil})
	if err == nil {
		_, err = cp.push.PushTask(ctx, api.TaskEndpoint, data)
	}
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		cp.log.Warn(fmt.Sprintf("Could not push %d tasks, they go out again after their lease", len(d.tasks)), "error", err)
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
		cp.log.Warn("dropped a result message that is not a result batch", logging.BadInput, "sender", e.Sender, "error", err)
		return
	}
	received := cp.clk.Now()
	done, first := cp.tasks.complete(rb.Results)
	if len(cp.observers.load()) > 0 {
		seen := make([]ResultSeen, len(rb.Results))
		for i, r := range rb.Results {
			seen[i] = ResultSeen{Result: r, Received: received, First: first[i]}
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
