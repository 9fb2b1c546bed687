package implload

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/controlplane"
)

// taskRun is one pushpull run's state: when each task was due, what the
// results said. The control plane's observer writes it from its result
// reader, the senders from theirs.
type taskRun struct {
	prefix string // of this run's task ids: results of other tasks are not ours
	s      *sink
	peer   map[string]int

	mu       sync.Mutex
	due      map[uint64]submitted
	start    *record.Recorder // one-way: submission to execution start
	executed []map[uint64]int // per worker: executions (results not replayed) per task
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
func runPushPull(ctx context.Context, spec Spec, c *cluster.Cluster, workers []string) (*load.Outcome, error) {
	cp := c.ControlPlane()
	if cp == nil {
		return nil, fmt.Errorf("%w: pushpull submits through its Go API", ErrEmbedded)
	}
	tl := record.NewTimeline(spec.Warmup, spec.Duration)
	r := &taskRun{
		prefix: fmt.Sprintf("implload-%016x-", rand.Uint64()), //nolint:gosec // unique, not secret: workers remember task ids
		s:      newSink(spec, tl, workers, owedAny), peer: map[string]int{},
		due: map[uint64]submitted{}, start: record.New(record.Options{Start: tl.Window}),
	}
	for i, w := range workers {
		r.peer[w] = i
		r.executed = append(r.executed, map[uint64]int{})
	}
	remove := cp.Observe(controlplane.Observer{OnResult: r.result})
	defer remove()
	pad := newPadding(spec.Size, spec.Seed)
	drive(ctx, spec, tl, func(ctx context.Context, t tick) {
		task := api.Task{ID: r.prefix + strconv.FormatUint(t.seq, 10), Kind: spec.Task, Payload: pad.text(t.seq)}
		switch task.Kind {
		case api.TaskSleep:
			task.SleepMS = int(SleepTask / time.Millisecond)
		case api.TaskHash:
			task.Rounds = 1
		}
		actual := time.Now()
		sub := submitted{intended: t.due(actual), actual: actual}
		if spec.Rate == 0 {
			sub.done = make(chan struct{})
		}
		r.mu.Lock() // before the submit: the result may come before it returns
		r.due[t.seq] = sub
		r.mu.Unlock()
		if err := cp.SubmitTasks([]api.Task{task}); err != nil {
			r.s.sendFailed(t, actual)
			return
		}
		r.s.sent(t, actual, 0, len(task.Payload))
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
	load.Drain(ctx, spec.Grace, func() bool { return r.s.count() >= r.s.sentCount() })
	remove()
	return r.outcome(), nil
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
	if sent && !res.Replayed {
		r.executed[peer][seq]++
	}
	if sent && seen.First && !res.StartedAt.IsZero() {
		if r.s.spec.Rate > 0 {
			r.start.Received(due.intended, due.actual, res.StartedAt, 0)
		} else {
			r.start.ReceivedClosedLoop(due.actual, res.StartedAt, r.s.spec.ExpectedInterval, 0)
		}
	}
	r.mu.Unlock()
	if !sent || !seen.First {
		return // a replay or a second result: the first one counted
	}
	r.s.received(peer, seq, due.intended, due.actual, seen.Received, len(res.Output))
	if res.Error != "" {
		r.s.failed(peer, due.intended, false)
	}
	if due.done != nil {
		close(due.done) // First comes once per task
	}
}

// submitted is a task as it was submitted.
type submitted struct {
	intended, actual time.Time
	done             chan struct{} // closed loop: closed when it completes
}

// outcome is the sink's, with the one-way latencies and the executions.
func (r *taskRun) outcome() *load.Outcome {
	o := r.s.outcome()
	r.mu.Lock()
	defer r.mu.Unlock()
	o.Last = r.start
	o.Loss.Duplicated = 0
	for i, ex := range r.executed {
		o.Peers[i].Received, o.Peers[i].Duplicated = int64(len(ex)), 0
		for _, n := range ex {
			o.Peers[i].Duplicated += int64(n - 1)
		}
		o.Loss.Duplicated += o.Peers[i].Duplicated
	}
	// A task executed by two workers is a duplicate too.
	tasks := map[uint64]int{}
	for _, ex := range r.executed {
		for seq := range ex {
			tasks[seq]++
		}
	}
	for _, n := range tasks {
		o.Loss.Duplicated += int64(n - 1)
	}
	return o
}
