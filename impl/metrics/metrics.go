// Package metrics counts what each messaging socket does and exposes it both
// to Prometheus and as a plain Snapshot that programs (cpctl, the harness)
// can read without scraping.
package metrics

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ErrorKind classifies the errors a socket counts.
type ErrorKind int

// The error kinds; their names are the "kind" label values.
const (
	KindDecode       ErrorKind = iota // a message that is not an envelope
	KindOversize                      // a message over max_message_size
	KindSend                          // a send that failed
	KindRecv                          // a receive that failed
	KindTimeout                       // a request or survey that timed out
	KindHandler                       // a handler that returned an error or panicked
	KindTLS                           // a peer refused in the TLS handshake
	KindBreakerOpen                   // a request refused by an open circuit breaker
	KindRemote                        // an error reply from the peer
	KindStalled                       // a peer disconnected because it did not read what was sent
	KindFrameTimeout                  // a frame cut off because it stopped arriving
	numKinds
)

var kindNames = [numKinds]string{"decode", "oversize", "send", "recv", "timeout", "handler", "tls", "breaker_open", "remote", "stalled", "frame_timeout"}

func (k ErrorKind) String() string { return kindNames[k] }

// latencyBuckets span 10 µs to ~40 s, as loopback round trips start near
// 10 µs and timeouts end in seconds.
var latencyBuckets = prometheus.ExponentialBuckets(10e-6, 2.5, 18)

// Registry holds the sockets of one process.
type Registry struct {
	mu      sync.Mutex
	sockets []*Socket
	prom    *prometheus.Registry
	latency *prometheus.HistogramVec
	age     *prometheus.HistogramVec
}

// NewRegistry returns a registry whose Prometheus side also carries the Go
// runtime and process collectors.
func NewRegistry() *Registry {
	r := &Registry{
		prom: prometheus.NewRegistry(),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "nngbench", Name: "request_latency_seconds",
			Help:    "Round trip of requests and surveys, from send to reply.",
			Buckets: latencyBuckets,
		}, []string{"socket"}),
		age: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "nngbench", Name: "message_age_seconds",
			Help:    "Age of events and tasks on receipt, from their envelope timestamp.",
			Buckets: latencyBuckets,
		}, []string{"socket"}),
	}
	r.prom.MustRegister(r.latency, r.age, (*collector)(r),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Prometheus returns the registry behind /metrics, for adding collectors.
func (r *Registry) Prometheus() *prometheus.Registry { return r.prom }

// Handler serves the registry in the Prometheus exposition format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.prom, promhttp.HandlerOpts{})
}

// Socket returns a new counter set for one socket. name identifies it in
// labels and snapshots ("worker-1", "controlplane->worker-3"); pattern is its
// protocol ("rep", "push", ...). A name already taken gets a "#2", "#3"...
// suffix, as Prometheus refuses two series with the same labels.
func (r *Registry) Socket(name, pattern string) *Socket {
	r.mu.Lock()
	defer r.mu.Unlock()
	unique := name
	for n := 2; r.taken(unique); n++ {
		unique = name + "#" + strconv.Itoa(n)
	}
	s := &Socket{
		name:    unique,
		pattern: pattern,
		latency: r.latency.WithLabelValues(unique),
		age:     r.age.WithLabelValues(unique),
	}
	r.sockets = append(r.sockets, s)
	return s
}

func (r *Registry) taken(name string) bool {
	return slices.ContainsFunc(r.sockets, func(s *Socket) bool { return s.name == name })
}

// Remove forgets s, as when its socket is closed for good.
func (r *Registry) Remove(s *Socket) {
	r.mu.Lock()
	r.sockets = slices.DeleteFunc(r.sockets, func(x *Socket) bool { return x == s })
	r.mu.Unlock()
	r.latency.DeleteLabelValues(s.name)
	r.age.DeleteLabelValues(s.name)
}

// Snapshot returns the current counters of every socket.
func (r *Registry) Snapshot() Snapshot {
	r.mu.Lock()
	socks := slices.Clone(r.sockets)
	r.mu.Unlock()
	snap := Snapshot{Taken: time.Now(), Sockets: make([]SocketStats, 0, len(socks))}
	for _, s := range socks {
		snap.Sockets = append(snap.Sockets, s.Stats())
	}
	return snap
}

// Snapshot is a point-in-time copy of a registry's counters.
type Snapshot struct {
	Taken   time.Time     `json:"taken"`
	Sockets []SocketStats `json:"sockets"`
}

// Socket finds a socket's stats by name.
func (s Snapshot) Socket(name string) (SocketStats, bool) {
	for _, st := range s.Sockets {
		if st.Name == name {
			return st, true
		}
	}
	return SocketStats{}, false
}

// SocketStats are one socket's counters.
type SocketStats struct {
	Name          string            `json:"name"`
	Pattern       string            `json:"pattern"`
	Addresses     []string          `json:"addresses"`
	Connections   int64             `json:"connections"`
	Sent          uint64            `json:"sent"`
	Received      uint64            `json:"received"`
	BytesSent     uint64            `json:"bytes_sent"`
	BytesReceived uint64            `json:"bytes_received"`
	Dropped       uint64            `json:"dropped"` // messages known lost (sequence gaps, full queues)
	Retries       uint64            `json:"retries"`
	Errors        map[string]uint64 `json:"errors"`
	Latency       Summary           `json:"latency"`
	Age           Summary           `json:"age"`
	// Peers are the live connections that have counters of their own (those
	// accepted by impl/transport's listeners), then the last disconnected
	// ones that lost something.
	Peers []PeerStats `json:"peers,omitempty"`
}

// ErrorTotal sums the errors of every kind.
func (s SocketStats) ErrorTotal() uint64 {
	var n uint64
	for _, v := range s.Errors {
		n += v
	}
	return n
}

// Summary is the count, sum and maximum of observed durations.
type Summary struct {
	Count uint64        `json:"count"`
	Sum   time.Duration `json:"sum_ns"`
	Max   time.Duration `json:"max_ns"`
}

// Mean is Sum / Count, or 0.
func (s Summary) Mean() time.Duration {
	if s.Count == 0 {
		return 0
	}
	return s.Sum / time.Duration(s.Count)
}
