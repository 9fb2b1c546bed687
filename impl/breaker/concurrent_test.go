package breaker_test

import (
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/breaker"
	"github.com/nngbench/nngbench/impl/clock"
)

// legal lists the transitions a breaker may make.
var legal = map[[2]breaker.State]bool{
	{breaker.Closed, breaker.Open}:     true,
	{breaker.Open, breaker.HalfOpen}:   true,
	{breaker.HalfOpen, breaker.Open}:   true,
	{breaker.HalfOpen, breaker.Closed}: true,
}

func TestConcurrentUse(t *testing.T) {
	const workers, iterations = 8, 500
	var (
		mu          sync.Mutex
		transitions [][2]breaker.State
	)
	fake := clock.NewFake(epoch)
	cfg := breaker.Config{FailureThreshold: 3, ResetTimeout: time.Second, HalfOpenProbes: 2,
		OnStateChange: func(_ string, from, to breaker.State) {
			mu.Lock()
			defer mu.Unlock()
			transitions = append(transitions, [2]breaker.State{from, to})
		}}
	b, err := breaker.New("worker-1", cfg, fake)
	if err != nil {
		t.Fatalf("New() = %v", err)
	}

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range iterations {
				// Each worker moves time itself so open periods expire while
				// the others are still running.
				if i%workers == w {
					fake.Advance(300 * time.Millisecond)
					b.State()
				}
				if b.Allow() != nil {
					continue
				}
				// Three failures to each success, so even a worker running alone
				// reaches the threshold and the breaker cycles through every state.
				if (i+w)%4 == 0 {
					b.Success()
				} else {
					b.Failure()
				}
			}
		})
	}
	wg.Wait()
	final := b.State() // also delivers any transition this check causes

	mu.Lock()
	defer mu.Unlock()
	prev, opens := breaker.Closed, uint64(0)
	for i, tr := range transitions {
		if tr[0] != prev || !legal[tr] {
			t.Fatalf("transition %d %v -> %v follows state %v", i, tr[0], tr[1], prev)
		}
		if tr[1] == breaker.Open {
			opens++
		}
		prev = tr[1]
	}
	// Which transitions occur depends on scheduling, but every worker alone
	// produces three consecutive failures, so the breaker must have opened.
	if opens == 0 {
		t.Fatal("breaker never opened; the test exercised nothing")
	}
	if prev != final {
		t.Errorf("last transition ends in %v, State() = %v", prev, final)
	}
	if got := b.Trips(); got != opens {
		t.Errorf("Trips() = %d, want %d openings seen by OnStateChange", got, opens)
	}
}
