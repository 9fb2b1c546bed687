package peer

import (
	"sync"
	"testing"
	"time"
)

// TestServiceCapacity: requests arriving together on many contexts are
// served one at a time, so n of them take at least n service times, and
// each completion follows the one before by the service time, not by when
// a sleep ended.
func TestServiceCapacity(t *testing.T) {
	t.Parallel()
	const each, contexts, per = 2 * time.Millisecond, 8, 5
	s := NewService(each)
	start := time.Now()
	var wg sync.WaitGroup
	for range contexts {
		wg.Go(func() {
			for range per {
				s.Serve(time.Now())
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if want := contexts * per * each; elapsed < want {
		t.Errorf("%d requests served in %v, want at least %v at one per %v", contexts*per, elapsed, want, each)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if got := s.free.Sub(start); got < contexts*per*each {
		t.Errorf("the server is free %v after the start, want at least %v", got, contexts*per*each)
	}
}

func TestServiceNil(t *testing.T) {
	t.Parallel()
	if s := NewService(0); s != nil {
		t.Fatalf("NewService(0) = %v, want nil (no service time)", s)
	}
	var s *Service
	s.Serve(time.Now()) // returns at once
}

func TestServiceTimeOption(t *testing.T) {
	t.Parallel()
	o := Options{Pattern: "pushpull", Role: "pull", Addr: "tcp://127.0.0.1:1", ServiceTime: time.Millisecond}
	if _, err := o.check(); err == nil {
		t.Error("a puller took a service time")
	}
	o = Options{Pattern: "reqrep", Role: "rep", Addr: "tcp://127.0.0.1:1", ServiceTime: time.Millisecond}
	if _, err := o.check(); err != nil {
		t.Errorf("a replier's service time: %v", err)
	}
	if args := Args(o); args[len(args)-1] != "1ms" || args[len(args)-2] != "--service-time" {
		t.Errorf("Args = %q, want --service-time 1ms at the end", args)
	}
}
