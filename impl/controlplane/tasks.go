package controlplane

import (
	"bytes"
	"fmt"
	"sync"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

// batchOverhead is what a task message holds besides its tasks: the
// envelope's fields and the batch's lease, with room to spare.
const batchOverhead = 4096

func taskBudget(cfg Config) int { return cfg.Messaging.MaxMessageSizeMB<<20 - batchOverhead }

// chunkTasks is the most tasks of one submit stored as one record: the
// store writes a record per chunk and a bitmap of its completed tasks, not
// a record per task.
const chunkTasks = 1024

// taskQueue holds the accepted tasks that are not completed: waiting for
// dispatch, or dispatched under a lease. Leases all last as long, so they
// end in dispatch order and a FIFO finds the expired ones.
type taskQueue struct {
	batch   int // most tasks per message
	budget  int // most task bytes per message
	window  int // most tasks leased at once; 0: no bound
	durable bool
	mac     leaseMAC

	mu        sync.Mutex
	pending   map[string]*taskEntry
	redo      fifo[*taskEntry] // lease ended without a result: they go first
	fresh     fifo[*taskEntry]
	leases    fifo[*leaseRec] // in the order they end
	leased    int             // dispatched, lease not ended, not completed
	stats     api.TaskStats
	nextChunk uint64
	epoch     uint64 // this boot's: the top bits of its lease numbers
	nextLease uint64
	wake      chan struct{} // capacity 1: there is something to dispatch
}

type taskEntry struct {
	task   api.Task
	size   int       // bytes in a batch, with its lease token
	lease  *leaseRec // the latest lease; nil before the first dispatch
	queued bool      // waiting in redo or fresh
	chunk  *chunk
	idx    int // its place in chunk
}

// chunk is up to chunkTasks tasks accepted together, as stored.
type chunk struct {
	seq  uint64
	left int    // tasks not completed
	done []byte // bitmap of the completed ones
}

// leaseRec is one dispatch: a batch of tasks under one lease number.
type leaseRec struct {
	no      uint64
	until   time.Time // the lease's end, as the batch says
	expires time.Time // until plus a grace for results in flight
	tasks   []*taskEntry
	live    int // tasks whose latest lease this is, not completed
}

func newTaskQueue(batch, budget, window int) *taskQueue {
	return &taskQueue{batch: batch, budget: budget, window: window,
		pending: map[string]*taskEntry{}, wake: make(chan struct{}, 1)}
}

// SubmitTasks accepts tasks for dispatch. Every task needs an id that no
// other pending task (accepted, not completed) has, and must fit in a
// message; otherwise none is accepted and the error says which. With a
// data_dir it returns once the tasks are on disk.
func (cp *ControlPlane) SubmitTasks(tasks []api.Task) error {
	if err := cp.running(); err != nil {
		return err
	}
	entries := make([]*taskEntry, len(tasks))
	for i, t := range tasks {
		t.Lease = "" // the control plane's to set
		n, err := api.TaskSize(t)
		if err != nil {
			return fmt.Errorf("%w: task %d: %w", ErrBadRequest, i, err)
		}
		entries[i] = &taskEntry{task: t, size: n + 1 + leaseFieldBytes}
	}
	q := cp.tasks
	chunks, err := q.reserve(entries)
	if err != nil {
		return err
	}
	if q.durable && len(chunks) > 0 {
		ops, err := chunkOps(chunks, entries)
		if err == nil {
			err = cp.store.commit(ops...)
		}
		if err != nil {
			q.unreserve(entries)
			return fmt.Errorf("controlplane: accept %d tasks: %w", len(entries), err)
		}
	}
	q.release(entries)
	return nil
}

// chunkOps are the store's records of newly accepted tasks.
func chunkOps(chunks []*chunk, entries []*taskEntry) ([]op, error) {
	ops := make([]op, len(chunks))
	for i, c := range chunks {
		part := entries[i*chunkTasks : min((i+1)*chunkTasks, len(entries))]
		tasks := make([]api.Task, len(part))
		for j, e := range part {
			tasks[j] = e.task
		}
		val, err := api.EncodeTasks(api.TaskBatch{Tasks: tasks})
		if err != nil {
			return nil, err
		}
		ops[i] = op{kind: opPutChunk, key: c.seq, val: val, accepted: uint64(len(part))}
	}
	return ops, nil
}

// reserve checks entries and makes them pending, not yet dispatchable:
// their ids are taken while they are written.
func (q *taskQueue) reserve(entries []*taskEntry) ([]*chunk, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	seen := make(map[string]bool, len(entries))
	for i, e := range entries {
		id := e.task.ID
		switch {
		case id == "":
			return nil, fmt.Errorf("%w: task %d: id: required", ErrBadRequest, i)
		case seen[id] || q.pending[id] != nil:
			return nil, fmt.Errorf("%w: %s", ErrDuplicateTask, id)
		case e.size > q.budget:
			return nil, fmt.Errorf("%w: %s is %d bytes, a message holds %d", ErrTaskTooLarge, id, e.size, q.budget)
		}
		seen[id] = true
	}
	var chunks []*chunk
	for i, e := range entries {
		if i%chunkTasks == 0 {
			n := min(chunkTasks, len(entries)-i)
			chunks = append(chunks, &chunk{seq: q.nextChunk, left: n, done: make([]byte, (n+7)/8)})
			q.nextChunk++
		}
		e.chunk, e.idx = chunks[len(chunks)-1], i%chunkTasks
		q.pending[e.task.ID] = e
	}
	return chunks, nil
}

// unreserve gives up entries that could not be stored.
func (q *taskQueue) unreserve(entries []*taskEntry) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, e := range entries {
		if q.pending[e.task.ID] == e {
			delete(q.pending, e.task.ID)
		}
	}
}

// release queues reserved entries for dispatch: they are accepted.
func (q *taskQueue) release(entries []*taskEntry) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, e := range entries {
		e.queued = true
		q.fresh.push(e)
	}
	q.stats.Accepted += uint64(len(entries))
	q.signal()
}

func (q *taskQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// TaskStats counts the tasks since Start; with a data_dir, Accepted,
// Completed and Pending count across restarts.
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
	batches     []*leaseRec
	redelivered []string  // tasks whose lease ended, queued again
	wakeAt      time.Time // when the next lease ends; zero if none
	ended       []uint64  // leases no pending task holds any more
}

// next requeues the tasks whose lease (plus grace) has ended, and takes up
// to rounds batches: as many queued tasks as fit in each, up to the batch
// size and the window, leased from now.
func (q *taskQueue) next(now time.Time, leaseFor, grace time.Duration, rounds int) dispatchable {
	q.mu.Lock()
	defer q.mu.Unlock()
	var d dispatchable
	for l, ok := q.leases.peek(); ok && !l.expires.After(now); l, ok = q.leases.peek() {
		q.leases.pop()
		for _, e := range l.tasks {
			if e.lease != l || e.queued || q.pending[e.task.ID] != e {
				continue // completed, or leased again since
			}
			e.queued = true
			q.leased--
			q.redo.push(e)
			q.stats.Redelivered++
			d.redelivered = append(d.redelivered, e.task.ID)
		}
	}
	until := now.Add(leaseFor)
	for len(d.batches) < rounds {
		l := q.take(until, until.Add(grace), &d)
		if l == nil {
			break
		}
		d.batches = append(d.batches, l)
		q.leases.push(l)
	}
	if l, ok := q.leases.peek(); ok {
		d.wakeAt = l.expires
	}
	return d
}

// take leases the next batch: queued tasks, as many as fit; nil if none.
func (q *taskQueue) take(until, expires time.Time, d *dispatchable) *leaseRec {
	var l *leaseRec
	bytes := 0
	for (l == nil || len(l.tasks) < q.batch) && (q.window == 0 || q.leased < q.window) {
		e := q.pop(bytes, l == nil)
		if e == nil {
			break
		}
		if l == nil {
			l = &leaseRec{no: q.epoch<<epochShift | q.nextLease, until: until, expires: expires}
			q.nextLease++
		}
		if old := e.lease; old != nil {
			if old.live--; old.live == 0 {
				d.ended = append(d.ended, old.no)
			}
		}
		e.lease = l
		l.live++
		l.tasks = append(l.tasks, e)
		e.queued = false
		q.leased++
		q.stats.Dispatches++
		bytes += e.size
	}
	return l
}

// pop takes the next task to dispatch that fits in budget after bytes
// (any, for the first of a batch); nil if none.
func (q *taskQueue) pop(bytes int, first bool) *taskEntry {
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

// wire is what goes on the wire for l: its tasks, each with its token.
func (q *taskQueue) wire(l *leaseRec) api.TaskBatch {
	tasks := make([]api.Task, len(l.tasks))
	for i, e := range l.tasks {
		tasks[i] = e.task // read-only once accepted
		tasks[i].Lease = q.mac.token(l.no, e.task.ID)
	}
	return api.TaskBatch{Tasks: tasks, LeaseUntil: l.until}
}

// verdict is what a result did.
type verdict uint8

const (
	verdictCompleted verdict = iota // the first result of the task's latest lease
	verdictDuplicate                // a genuine lease, the task already completed
	verdictStale                    // a genuine lease of a pending task, but not its latest
	verdictRejected                 // no lease the control plane issued for the task
)

// complete takes a batch of results. A result completes its task only if
// it carries the token of the task's latest lease: from the worker that
// pulled that batch (or one it gave the token to). ops are the store's
// record of what completed.
func (q *taskQueue) complete(results []api.TaskResult) (done []api.TaskResult, verdicts []verdict, ops []op) {
	nos := make([]uint64, len(results))
	valid := make([]bool, len(results))
	for i, r := range results { // outside the lock: it is the costly part
		nos[i], valid[i] = q.mac.verify(r.TaskID, r.Lease)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	verdicts = make([]verdict, len(results))
	var touched []*chunk
	for i, r := range results {
		e := q.pending[r.TaskID]
		switch {
		case !valid[i]:
			verdicts[i] = verdictRejected
			q.stats.Rejected++
			continue
		case e == nil:
			verdicts[i] = verdictDuplicate
			q.stats.Duplicates++
			continue
		case e.lease == nil || e.lease.no != nos[i]:
			verdicts[i] = verdictStale
			q.stats.Stale++
			continue
		}
		delete(q.pending, r.TaskID)
		if !e.queued {
			q.leased--
		}
		q.stats.Completed++
		done = append(done, r)
		if e.lease.live--; e.lease.live == 0 && q.durable {
			ops = append(ops, op{kind: opDeleteLease, key: e.lease.no})
		}
		c := e.chunk
		c.done[e.idx/8] |= 1 << (e.idx % 8)
		if c.left--; len(touched) == 0 || touched[len(touched)-1] != c {
			touched = append(touched, c)
		}
	}
	if len(done) > 0 && q.window > 0 {
		q.signal() // the window has room again
	}
	if q.durable && len(done) > 0 {
		ops = append(ops, doneOps(touched)...)
		ops[len(ops)-1].completed = uint64(len(done))
	}
	return done, verdicts, ops
}

// doneOps record the completed tasks of the chunks touched (a chunk may
// appear more than once: its last state is written).
func doneOps(touched []*chunk) []op {
	ops := make([]op, 0, len(touched))
	for _, c := range touched {
		if c.left == 0 {
			ops = append(ops, op{kind: opDeleteChunk, key: c.seq})
		} else {
			ops = append(ops, op{kind: opPutDone, key: c.seq, val: bytes.Clone(c.done)})
		}
	}
	return ops
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
