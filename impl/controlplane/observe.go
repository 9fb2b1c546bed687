package controlplane

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

// ResultSeen is one task result as the control plane read it.
type ResultSeen struct {
	// Result is as the worker sent it, with when it executed the task.
	Result api.TaskResult
	// Received is when the control plane read the result batch.
	Received time.Time
	// First is true for the result that completed the task; false for one
	// whose task was already complete (a replay, a late or second result)
	// or that the control plane does not know.
	First bool
	// Rejected is true for one that carried no token of its task's
	// latest lease: forged, for a task never accepted, or from a worker
	// whose lease was replaced. It completed nothing.
	Rejected bool
}

// HeartbeatSeen is one heartbeat as the control plane handled it.
type HeartbeatSeen struct {
	Heartbeat api.Heartbeat // as the worker sent it: Seq, Due, Timestamp
	Received  time.Time     // when the control plane handled it
	Known     bool          // false: not registered, told to register
	Bytes     int           // the payload's size
}

// Observer receives what the control plane handles, message by message,
// for tracing, probes and load tests that need per-message timing rather
// than the counters of Metrics. Its functions are called synchronously on
// the goroutine handling the message, with no lock held: they must be
// quick, must not block, and must be safe for concurrent use. A nil
// function is skipped.
type Observer struct {
	OnResult    func(ResultSeen)
	OnHeartbeat func(HeartbeatSeen)
}

// observers is the set of Observers, copied on write: the message paths
// read it without a lock.
type observers struct {
	mu  sync.Mutex
	set atomic.Pointer[[]*Observer]
}

func (o *observers) load() []*Observer {
	if p := o.set.Load(); p != nil {
		return *p
	}
	return nil
}

// Observe adds o, until the returned function is called (it may be called
// more than once). Observers may come and go while the control plane runs.
func (cp *ControlPlane) Observe(o Observer) (remove func()) {
	obs := &o
	cp.observers.mu.Lock()
	next := append(slices.Clone(cp.observers.load()), obs)
	cp.observers.set.Store(&next)
	cp.observers.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			cp.observers.mu.Lock()
			defer cp.observers.mu.Unlock()
			next := slices.DeleteFunc(slices.Clone(cp.observers.load()), func(x *Observer) bool { return x == obs })
			cp.observers.set.Store(&next)
		})
	}
}

func (cp *ControlPlane) observeResults(seen []ResultSeen) {
	for _, o := range cp.observers.load() {
		if o.OnResult != nil {
			for _, s := range seen {
				o.OnResult(s)
			}
		}
	}
}

func (cp *ControlPlane) observeHeartbeat(s HeartbeatSeen) {
	for _, o := range cp.observers.load() {
		if o.OnHeartbeat != nil {
			o.OnHeartbeat(s)
		}
	}
}

// HeartbeatInterval is how often the control plane asks workers to beat
// (messaging.heartbeat_interval_seconds): with N workers online it handles
// N per interval.
func (cp *ControlPlane) HeartbeatInterval() time.Duration {
	return cp.cfg.Messaging.HeartbeatInterval.D()
}
