package peer

import (
	"sync"
	"time"
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
// a backlogged replier keeps to its capacity exactly.
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

// Serve waits until the request received at arrival has been served. The
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
