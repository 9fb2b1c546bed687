package metrics

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Socket counts one socket's traffic. Its methods are lock-free atomics, as
// they sit on the send and receive path, and are no-ops on a nil *Socket.
type Socket struct {
	name, pattern string

	sent, received, bytesSent, bytesRecv atomic.Uint64
	dropped, retries                     atomic.Uint64
	conns                                atomic.Int64
	errors                               [numKinds]atomic.Uint64
	latency, age                         prometheus.Observer
	latencySum                           summary
	ageSum                               summary

	mu    sync.Mutex
	addrs []string
	peers []*Peer     // live connections with their own counters
	gone  []PeerStats // the last disconnected peers that lost something
}

type summary struct {
	count, sum, max atomic.Uint64
}

func (s *summary) observe(d time.Duration) {
	if d < 0 {
		d = 0
	}
	s.count.Add(1)
	s.sum.Add(uint64(d))
	for {
		m := s.max.Load()
		if uint64(d) <= m || s.max.CompareAndSwap(m, uint64(d)) {
			return
		}
	}
}

func (s *summary) load() Summary {
	return Summary{Count: s.count.Load(), Sum: time.Duration(s.sum.Load()), Max: time.Duration(s.max.Load())}
}

// Name is the socket's label.
func (s *Socket) Name() string { return s.name }

// Sent counts one message of n bytes sent.
func (s *Socket) Sent(n int) {
	if s != nil {
		s.sent.Add(1)
		s.bytesSent.Add(uint64(n))
	}
}

// Received counts one message of n bytes received.
func (s *Socket) Received(n int) {
	if s != nil {
		s.received.Add(1)
		s.bytesRecv.Add(uint64(n))
	}
}

// Dropped counts n messages known to be lost.
func (s *Socket) Dropped(n uint64) {
	if s != nil {
		s.dropped.Add(n)
	}
}

// Retry counts one retried request.
func (s *Socket) Retry() {
	if s != nil {
		s.retries.Add(1)
	}
}

// Error counts one error of kind k.
func (s *Socket) Error(k ErrorKind) {
	if s != nil {
		s.errors[k].Add(1)
	}
}

// Errors returns how many errors of kind k were counted.
func (s *Socket) Errors(k ErrorKind) uint64 {
	if s == nil {
		return 0
	}
	return s.errors[k].Load()
}

// ConnUp and ConnDown track live connections (from mangos pipe events).
func (s *Socket) ConnUp() {
	if s != nil {
		s.conns.Add(1)
	}
}

// ConnDown is the counterpart of ConnUp.
func (s *Socket) ConnDown() {
	if s != nil {
		s.conns.Add(-1)
	}
}

// Connections is the number of live connections.
func (s *Socket) Connections() int64 {
	if s == nil {
		return 0
	}
	return s.conns.Load()
}

// ObserveLatency records a request round trip.
func (s *Socket) ObserveLatency(d time.Duration) {
	if s != nil {
		s.latency.Observe(d.Seconds())
		s.latencySum.observe(d)
	}
}

// ObserveAge records the age of a received event or task.
func (s *Socket) ObserveAge(d time.Duration) {
	if s != nil {
		s.age.Observe(d.Seconds())
		s.ageSum.observe(d)
	}
}

// AddAddress records an address the socket listens on or dials.
func (s *Socket) AddAddress(addr string) {
	if s != nil {
		s.mu.Lock()
		s.addrs = append(s.addrs, addr)
		s.mu.Unlock()
	}
}

// Stats copies the counters.
func (s *Socket) Stats() SocketStats {
	s.mu.Lock()
	addrs := slices.Clone(s.addrs)
	peers := s.peerStats()
	s.mu.Unlock()
	st := SocketStats{
		Name: s.name, Pattern: s.pattern, Addresses: addrs,
		Connections: s.conns.Load(),
		Sent:        s.sent.Load(), Received: s.received.Load(),
		BytesSent: s.bytesSent.Load(), BytesReceived: s.bytesRecv.Load(),
		Dropped: s.dropped.Load(), Retries: s.retries.Load(),
		Errors:  make(map[string]uint64),
		Latency: s.latencySum.load(), Age: s.ageSum.load(),
		Peers: peers,
	}
	for k := range numKinds {
		if v := s.errors[k].Load(); v > 0 {
			st.Errors[kindNames[k]] = v
		}
	}
	return st
}
