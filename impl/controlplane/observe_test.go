package controlplane_test

import (
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/internal/testkit"
)

// seen collects what an Observer is given.
type seen struct {
	mu         sync.Mutex
	first, dup int
	workers    map[string]int // first results per worker
	beats      map[string]int
	bad        []string
}

func (s *seen) result(r controlplane.ResultSeen) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Received.IsZero() || r.Result.TaskID == "" {
		s.bad = append(s.bad, "result "+r.Result.TaskID)
	}
	if r.First {
		s.first++
		s.workers[r.Result.NodeID]++
	} else {
		s.dup++
	}
}

func (s *seen) heartbeat(h controlplane.HeartbeatSeen) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !h.Known || h.Bytes == 0 || h.Received.Before(h.Heartbeat.Timestamp) {
		s.bad = append(s.bad, "heartbeat "+h.Heartbeat.NodeID)
	}
	s.beats[h.Heartbeat.NodeID]++
}

func (s *seen) counts() (first, dup, beats int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.beats {
		beats += n
	}
	return s.first, s.dup, beats
}

// An Observer sees every result, the first of each task apart from the
// duplicates, and every heartbeat; once removed it sees nothing more.
func TestObserver(t *testing.T) {
	cp, _, fakes := taskWorkers(t, 10*time.Second, 2)
	fakes[0].twice.Store(true)
	s := &seen{workers: map[string]int{}, beats: map[string]int{}}
	remove := cp.Observe(controlplane.Observer{OnResult: s.result, OnHeartbeat: s.heartbeat})
	other := cp.Observe(controlplane.Observer{}) // nil functions are skipped
	defer other()
	if err := cp.SubmitTasks(makeTasks("o", 200)); err != nil {
		t.Fatal(err)
	}
	var first, dup, beats int
	testkit.Eventually(t, wait, func() bool {
		first, dup, beats = s.counts()
		return first == 200 && uint64(dup) == cp.TaskStats().Duplicates && dup == fakes[0].answeredCount() && beats >= 2
	}, "the observer missed results or heartbeats")
	t.Logf("observed %d first results, %d duplicates, %d heartbeats", first, dup, beats)
	remove()
	remove() // twice is harmless
	first, dup, beats = s.counts()
	if err := cp.SubmitTasks(makeTasks("after", 20)); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, wait, func() bool { return cp.TaskStats().Completed == 220 }, "tasks after removal: %+v", cp.TaskStats())
	if f, d, _ := s.counts(); f != first || d != dup {
		t.Errorf("removed observer still called: %d/%d results, was %d/%d", f, d, first, dup)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.bad) > 0 || len(s.workers) != 2 || beats == 0 {
		t.Errorf("bad %v, first results by worker %v, beats by worker %v", s.bad, s.workers, s.beats)
	}
}
