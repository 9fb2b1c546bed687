package worker

import (
	"sync"

	"github.com/nngbench/nngbench/impl/api"
)

// completedLimit is how many completed task ids the worker remembers: a
// redelivery older than that is executed again.
const completedLimit = 100_000

// record is what the worker remembers of a completed task.
type record struct {
	result    api.TaskResult
	hasResult bool // false for ids read back from the journal at start
	journaled bool // its journal line is written (or there is no journal)
}

// claim says what to do with a task id.
type claim int

const (
	claimRun  claim = iota // not seen: run it, then release it
	claimDone              // completed: answer from the record
	claimBusy              // running in another batch, which answers for it
)

// completed is the bounded record of completed tasks, plus the ids being
// run now, so that no id runs twice at once. The oldest ids are forgotten
// first.
type completed struct {
	mu      sync.Mutex
	byID    map[string]*record
	ring    []string // ids in the order they were recorded; len <= limit
	next    int      // where the next id goes once ring is full
	limit   int
	running map[string]struct{}
}

func newCompleted(limit int) *completed {
	return &completed{byID: map[string]*record{}, limit: limit, running: map[string]struct{}{}}
}

// seed records ids read from the journal: executed and delivered before a
// restart, so they are answered, not run again.
func (c *completed) seed(ids []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if _, ok := c.byID[id]; !ok {
			c.add(id, &record{journaled: true})
		}
	}
}

// claim looks id up; claimRun reserves it until release.
func (c *completed) claim(id string) (record, claim) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.byID[id]; ok {
		return *r, claimDone
	}
	if _, ok := c.running[id]; ok {
		return record{}, claimBusy
	}
	c.running[id] = struct{}{}
	return record{}, claimRun
}

// release ends a claim; with a result the task is recorded as completed,
// without (its lease passed, or it was stopped) it may run again.
func (c *completed) release(id string, result *api.TaskResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.running, id)
	if result != nil {
		if _, ok := c.byID[id]; !ok {
			c.add(id, &record{result: *result, hasResult: true})
		}
	}
}

// unjournaled returns those of ids that are recorded and have no journal
// line yet.
func (c *completed) unjournaled(ids []string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, id := range ids {
		if r, ok := c.byID[id]; ok && !r.journaled {
			out = append(out, id)
		}
	}
	return out
}

// markJournaled notes that ids have their journal line.
func (c *completed) markJournaled(ids []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if r, ok := c.byID[id]; ok {
			r.journaled = true
		}
	}
}

// add records id, forgetting the oldest id when full. Called with mu held
// and id not recorded.
func (c *completed) add(id string, r *record) {
	if len(c.ring) < c.limit {
		c.ring = append(c.ring, id)
	} else {
		delete(c.byID, c.ring[c.next])
		c.ring[c.next] = id
		c.next = (c.next + 1) % c.limit
	}
	c.byID[id] = r
}
