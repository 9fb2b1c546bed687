package controlplane

import (
	"fmt"
	"sync"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

// batchOverhead is what a task message holds besides its tasks: the
// envelope's fields and the batch's lease, with room to spare.
const batchOverhead = 4096

func taskBudget(cfg Config) int { return cfg.Messaging.MaxMessageSizeMB<<20 - batchOverhead }

// taskQueue holds the accepted tasks that are not completed: waiting for
// dispatch, or dispatched under a lease. Leases all last as long, so they
// end in dispatch order and a FIFO finds the expired ones.
type taskQueue struct {
	batch  int // most tasks per message
	budget int // most task bytes per message
	window int // most tasks leased at once; 0: no bound

	mu      sync.Mutex
	pending map[string]*taskEntry
	redo    fifo[*taskEntry] // lease ended without a result: they go first
	fresh   fifo[*taskEntry]
	leases  fifo[lease]
	leased  int // dispatched, lease not ended, not completed
	stats   api.TaskStats
	wake    chan struct{} // capacity 1: there is something to dispatch
}

type taskEntry struct {
	task   api.Task
	size   int  // bytes in a batch
	gen    int  // dispatches so far; a lease holds for one of them
	queued bool // waiting in redo or fresh
}

type lease struct {
	e       *taskEntry
	gen     int
	expires time.Time // the lease's end plus a grace for results in flight
}

func newTaskQueue(batch, budget, window int) *taskQueue {
	return &taskQueue{batch: batch, budget: budget, window: window,
		pending: map[string]*taskEntry{}, wake: make(chan struct{}, 1)}
}

// SubmitTasks accepts tasks for dispatch. Every task needs an id that no
// other pending task (accepted, not completed) has, and must fit in a
// message; otherwise none is accepted and the error says which.
func (cp *ControlPlane) SubmitTasks(tasks []api.Task) error {
	if err := cp.running(); err != nil {
		return err
	}
	entries := make([]*taskEntry, len(tasks))
	for i, t := range tasks {
		n, err := api.TaskSize(t)
		if err != nil {
			return fmt.Errorf("%w: task %d: %w", ErrBadRequest, i, err)
		}
		entries[i] = &taskEntry{task: t, size: n + 1, queued: true}
	}
	return cp.tasks.submit(entries)
}

func (q *taskQueue) submit(entries []*taskEntry) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	seen := make(map[string]bool, len(entries))
	for i, e := range entries {
		id := e.task.ID
		switch {
		case id == "":
			return fmt.Errorf("%w: task %d: id: required", ErrBadRequest, i)
		case seen[id] || q.pending[id] != nil:
			return fmt.Errorf("%w: %s", ErrDuplicateTask, id)
		case e.size > q.budget:
			return fmt.Errorf("%w: %s is %d bytes, a message holds %d", ErrTaskTooLarge, id, e.size, q.budget)
		}
		seen[id] = true
	}
	for _, e := range entries {
		q.pending[e.task.ID] = e
		q.fresh.push(e)
	}
	q.stats.Accepted += uint64(len(entries))
	q.signal()
	return nil
}

func (q *taskQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// TaskStats counts the tasks since Start.
func (cp *ControlPlane) TaskStats() api.TaskStats {
	q := cp.tasks
	q.mu.Lock()
	defer q.mu.Unlock()
	s := q.stats
	s.Pending = uint64(len(q.pending))
	return s
}

// dispatchable is what next hands the dispatcher.
type dispatchable struct {
	tasks       []api.Task
	leaseUntil  time.Time
	redelivered []string  // tasks whose lease ended, queued again
	wakeAt      time.Time // when the next lease ends; zero if none
}

// next requeues the tasks whose lease (plus grace) has ended, and takes
// the next batch: as many queued tasks as fit, up to the batch size and
// the window, leased from now.
func (q *taskQueue) next(now time.Time, leaseFor, grace time.Duration) dispatchable {
	q.mu.Lock()
	defer q.mu.Unlock()
	var d dispatchable
	for l, ok := q.leases.peek(); ok && !l.expires.After(now); l, ok = q.leases.peek() {
		q.leases.pop()
		if l.e.gen != l.gen || l.e.queued || q.pending[l.e.task.ID] != l.e {
			continue // completed, or leased again since
		}
		l.e.queued = true
		q.leased--
		q.redo.push(l.e)
		q.stats.Redelivered++
		d.redelivered = append(d.redelivered, l.e.task.ID)
	}
	d.leaseUntil = now.Add(leaseFor)
	bytes := 0
	for len(d.tasks) < q.batch && (q.window == 0 || q.leased < q.window) {
		e := q.take(bytes, len(d.tasks) == 0)
		if e == nil {
			break
		}
		e.gen++
		e.queued = false
		q.leased++
		q.stats.Dispatches++
		bytes += e.size
		d.tasks = append(d.tasks, e.task)
		q.leases.push(lease{e: e, gen: e.gen, expires: d.leaseUntil.Add(grace)})
	}
	if l, ok := q.leases.peek(); ok {
		d.wakeAt = l.expires
	}
	return d
}

// take pops the next task to dispatch that fits in budget after bytes
// (any, for the first of a batch); nil if none.
func (q *taskQueue) take(bytes int, first bool) *taskEntry {
	for _, f := range []*fifo[*taskEntry]{&q.redo, &q.fresh} {
		for e, ok := f.peek(); ok; e, ok = f.peek() {
			if !e.queued || q.pending[e.task.ID] != e {
				f.pop() // completed by a late result while queued
				continue
			}
			if !first && bytes+e.size > q.budget {
				return nil
			}
			f.pop()
			return e
		}
	}
	return nil
}

// complete takes a batch of results: the first result for a pending task
// completes it, any other is a duplicate. first[i] says whether results[i]
// completed its task.
func (q *taskQueue) complete(results []api.TaskResult) (done []api.TaskResult, first []bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	first = make([]bool, len(results))
	for i, r := range results {
		e := q.pending[r.TaskID]
		if e == nil {
			q.stats.Duplicates++
			continue
		}
		first[i] = true
		delete(q.pending, r.TaskID)
		if !e.queued {
			q.leased--
		}
		q.stats.Completed++
		done = append(done, r)
	}
	if len(done) > 0 && q.window > 0 {
		q.signal() // the window has room again
	}
	return done, first
}

// fifo is a queue on a slice that reuses its space.
type fifo[T any] struct {
	items []T
	head  int
}

func (f *fifo[T]) push(v T) { f.items = append(f.items, v) }

func (f *fifo[T]) peek() (T, bool) {
	if f.head == len(f.items) {
		var zero T
		return zero, false
	}
	return f.items[f.head], true
}

func (f *fifo[T]) pop() {
	var zero T
	f.items[f.head] = zero // let the popped value be collected
	f.head++
	if f.head == len(f.items) {
		f.items, f.head = f.items[:0], 0
	} else if f.head > 1024 && f.head > len(f.items)/2 {
		n := copy(f.items, f.items[f.head:])
		clear(f.items[n:])
		f.items, f.head = f.items[:n], 0
	}
}
