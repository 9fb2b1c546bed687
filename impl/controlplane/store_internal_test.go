package controlplane

import (
	"fmt"
	"sync"
	"testing"
)

// Concurrent commits share transactions: while one commits, the others
// queue and go into the next. Every write is there after a reopen, with
// the counters the ops carried, and what was only queued when the store
// closed is written too.
func TestBoltGroupCommit(t *testing.T) {
	dir := t.TempDir()
	s, err := openBolt(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.load(); err != nil {
		t.Fatal(err)
	}
	const n = 64
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			o := op{kind: opPutNode, id: fmt.Sprintf("node-%d", i), val: []byte("tcp://127.0.0.1:1"), accepted: 1}
			if err := s.commit(o); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	if c := s.commits.Load(); c > n/2 {
		t.Errorf("%d commits for %d concurrent writers: they did not share transactions", c, n)
	}
	t.Logf("%d writers, %d transactions", n, s.commits.Load())
	s.enqueue(op{kind: opPutNode, id: "late", val: []byte("tcp://127.0.0.1:2"), completed: 5})
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	if err := s.commit(op{}); err == nil {
		t.Error("commit after close: no error")
	}

	s, err = openBolt(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	r, err := s.load()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.nodes) != n+1 || r.nodes["late"] != "tcp://127.0.0.1:2" {
		t.Errorf("%d nodes after reopening, want %d with the late one: %v", len(r.nodes), n+1, r.nodes)
	}
	if r.accepted != n || r.completed != 5 || r.epoch != 2 {
		t.Errorf("accepted %d, completed %d, epoch %d; want %d, 5, 2", r.accepted, r.completed, r.epoch, n)
	}
}
