package peer

import (
	"sync"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
)

// Service makes a replier a single server of fixed capacity: it serves one
// request at a time, in order of arrival, each taking the service time, so
// that it answers at most 1/ServiceTime requests per second however many
// contexts it reads on. A system of known capacity is what a knee search
// is tested against.
//
// Each request's completion is worked out from the previous one's
// (max(arrival, previous completion) + service time) rather than from when
// a sleep happened to end, so the timer's lateness does not accumulate and
// a backlogged replier keeps to its capacity exactly. The arrival is when
// the request was due to be sent (its stamp's intended time), not when a
// goroutine got round to sending or reading it: the replier is a queue on
// the plan's own timeline, so a sender or replier the machine did not
// schedule for a while does not cost it capacity, and its capacity is
// what the service time says on a loaded machine too. What a stall costs
// shows in the latency, timed from the intended send, as it should.
type Service struct {
	mu   sync.Mutex
	each time.Duration
	free time.Time // when the replier is next free
}

// NewService returns a single server taking each per request, or nil, which
// serves at once, for each <= 0.
func NewService(each time.Duration) *Service {
	if each <= 0 {
		return nil
	}
	return &Service{each: each}
}

// Arrival is when a request with payload body, received at at, arrived
// for the service: when it was due to be sent, by its stamp, or at when it
// has none (or one later than at).
func Arrival(body []byte, at time.Time) time.Time {
	if st, err := engine.ParseStamp(body); err == nil && st.Intended.Before(at) {
		return st.Intended
	}
	return at
}

// Serve waits until the request that arrived at arrival has been served. The
// wait is bounded by the requests ahead of it, one per context the replier
// reads on, each the service time.
func (s *Service) Serve(arrival time.Time) {
	if s == nil {
		return
	}
	s.mu.Lock()
	start := arrival
	if s.free.After(start) {
		start = s.free
	}
	s.free = start.Add(s.each)
	done := s.free
	s.mu.Unlock()
	if d := time.Until(done); d > 0 {
		t := time.NewTimer(d)
		<-t.C
	}
}
