package implload

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/controlplane"
)

// taskRun is one pushpull run's state: when each task was due, what the
// results said. The control plane's observer writes it from its result
// reader, the senders from theirs.
type taskRun struct {
	prefix string // of this run's task ids: results of other tasks are not ours
	s      *tape
	peer   map[string]int

	mu   sync.Mutex
	due  map[uint64]submitted
	done atomic.Int64 // tasks completed (first results in)
	sent atomic.Int64 // tasks accepted
}

// runPushPull submits tasks of kind spec.Task, one per message, through
// the embedded control plane's Go API, and times each from its intended
// submission to the result's arrival at the control plane (end to end,
// Recv and ByPeer) and to the start of its execution on the worker
// (one-way, Last).
//
// In the Loss, Sent counts the tasks accepted, Received those completed
// (the first result in), Lost those accepted and not completed by the end
// of the drain, and Duplicated the executions of a task beyond its first.
// Peers[i].Received counts the tasks worker i executed (results not
// replayed), so that their sum is the tasks executed.
func runPushPull(ctx context.Context, spec Spec, c *cluster.Cluster, workers []string) (*engine.Outcome, error) {
	cp := c.ControlPlane()
	if cp == nil {
		return nil, fmt.Errorf("%w: pushpull submits through its Go API", ErrEmbedded)
	}
	tl := record.NewTimeline(spec.Warmup, spec.Duration)
	r := &taskRun{
		prefix: fmt.Sprintf("implload-%016x-", rand.Uint64()), //nolint:gosec // unique, not secret: workers remember task ids
		s:      newTape(spec, tl, workers, history.OwedAny), peer: map[string]int{}, due: map[uint64]submitted{},
	}
	r.s.w.Executions, r.s.w.Last = true, history.LastStart
	for i, w := range workers {
		r.peer[w] = i
	}
	remove := cp.Observe(controlplane.Observer{OnResult: r.result})
	defer remove()
	pad := newPadding(spec.Size, spec.Seed)
	drive(ctx, spec, tl, func(ctx context.Context, t engine.Tick) {
		task := api.Task{ID: r.prefix + strconv.FormatUint(t.Seq, 10), Kind: spec.Task, Payload: pad.text(t.Seq)}
		switch task.Kind {
		case api.TaskSleep:
			task.SleepMS = int(SleepTask / time.Millisecond)
		case api.TaskHash:
			task.Rounds = 1
		}
		actual := time.Now()
		sub := submitted{intended: t.Due(actual), actual: actual}
		if spec.Rate == 0 {
			sub.done = make(chan struct{})
		}
		r.mu.Lock() // before the submit: the result may come before it returns
		r.due[t.Seq] = sub
		r.mu.Unlock()
		if err := cp.SubmitTasks([]api.Task{task}); err != nil {
			r.s.sendFailed(t.Seq, sub.intended, actual)
			return
		}
		r.s.sent(0, t.Seq, int(history.NoPeer), sub.intended, actual, len(task.Payload))
		r.sent.Add(1)
		if sub.done != nil { // closed loop: one task at a time, each up to Timeout
			timer := time.NewTimer(spec.Timeout)
			defer timer.Stop()
			select {
			case <-sub.done:
			case <-timer.C:
			case <-ctx.Done():
			}
		}
	})
	engine.Drain(ctx, spec.Grace, func() bool { return r.done.Load() >= r.sent.Load() })
	remove()
	return r.s.outcome(), nil
}

// result takes one result the control plane read.
func (r *taskRun) result(seen controlplane.ResultSeen) {
	res := seen.Result
	rest, ok := strings.CutPrefix(res.TaskID, r.prefix)
	if !ok {
		return
	}
	seq, err := strconv.ParseUint(rest, 10, 64)
	peer, known := r.peer[res.NodeID]
	if err != nil || !known {
		return
	}
	r.mu.Lock()
	due, sent := r.due[seq]
	r.mu.Unlock()
	if !sent {
		return
	}
	// Every result is a receipt: the first one a delivery, timed, the
	// others (a second execution, a replay) duplicates or not, as
	// check counts executions.
	op := history.ReceiptOp(0, seq, int32(peer), seen.Received.UnixNano(), len(res.Output)) //nolint:gosec // peer < workers
	op.T2 = res.StartedAt.UnixNano()
	if res.StartedAt.IsZero() {
		op.T2 = 0
	}
	if res.Replayed {
		op.Flags |= history.FlagReplayed
	}
	if res.Error != "" {
		op.Outcome = history.Error
	}
	if !seen.First {
		r.s.ops.Add(op) // not told to Observe: the first result was
		return
	}
	r.s.received(op, due.intended, due.actual)
	r.done.Add(1)
	if due.done != nil {
		close(due.done) // First comes once per task
	}
}

// submitted is a task as it was submitted.
type submitted struct {
	intended, actual time.Time
	done             chan struct{} // closed loop: closed when it completes
}
