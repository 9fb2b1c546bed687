package implload

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/impl/controlplane"
)

// MaxRateMismatch is how far a heartbeat workload's rate may be from the
// cluster's own: 1%, the share record.MaxBehind allows a generator.
const MaxRateMismatch = 0.01

// beatRun is one heartbeat run's state, fed by the control plane's
// observer from its request handlers.
type beatRun struct {
	s        *tape
	tl       record.Timeline
	interval time.Duration
	peer     map[string]int

	mu    sync.Mutex
	beats []beats // per worker
}

// beats is what one worker's heartbeats said. Its sequence numbers start
// again at 1 when the process restarts: keys continue them, epoch after
// epoch, so that the run's numbering never goes back.
type beats struct {
	base, lastSeq uint64 // key = base + seq in the current epoch
	lastDue       time.Time
	due           map[uint64]time.Time // by key: beats due in the schedule
	first         uint64               // the lowest key in it; 0: none yet
	end           uint64               // the first key due at or after its end; 0: none yet
}

// runHeartbeat measures the workers' heartbeats as the control plane
// handles them: their rate is not the harness's to set but the cluster's,
// workers / heartbeat interval. spec.Rate 0 takes it as it is; any other
// rate must match it within MaxRateMismatch, or Run refuses the workload
// (set the scenario's cluster.heartbeat_interval to workers / rate). The
// Outcome's Spec.Rate is the cluster's rate.
//
// Each beat is timed from when the worker's schedule had it due
// (corrected) and from when it was sent (uncorrected) to when the control
// plane handled it; Recv's rate is the handling rate. Sequence numbers are
// per worker: a gap is a beat lost, a repeat a retried beat (Duplicated).
// A lost beat at the end of the run shows once the worker's next beat
// arrives: the drain waits up to one interval plus Grace for it.
func runHeartbeat(ctx context.Context, spec Spec, c *cluster.Cluster, workers []string) (*engine.Outcome, error) {
	cp := c.ControlPlane()
	if cp == nil {
		return nil, fmt.Errorf("%w: heartbeat observes it through its Go API", ErrEmbedded)
	}
	interval := cp.HeartbeatInterval()
	rate := float64(len(workers)) / interval.Seconds()
	if spec.Rate > 0 && math.Abs(spec.Rate-rate) > MaxRateMismatch*rate {
		return nil, fmt.Errorf("%w: heartbeat rate %g/s: %d workers beating every %v make %g/s; "+
			"set cluster.heartbeat_interval to workers/rate, or leave the rate to the cluster", ErrSpec, spec.Rate, len(workers), interval, rate)
	}
	spec.Rate = rate
	tl := record.NewTimeline(spec.Warmup, spec.Duration)
	r := &beatRun{s: newTape(spec, tl, workers, history.OwedOne), tl: tl, interval: interval,
		peer: map[string]int{}, beats: make([]beats, len(workers))}
	r.s.w.Ordered = true
	for i, w := range workers {
		r.peer[w] = i
		r.beats[i].due = map[uint64]time.Time{}
	}
	remove := cp.Observe(controlplane.Observer{OnHeartbeat: r.beat})
	defer remove()
	timer := time.NewTimer(time.Until(tl.End))
	select {
	case <-timer.C:
	case <-ctx.Done():
		timer.Stop()
	}
	engine.Drain(ctx, interval+spec.Grace, r.pastEnd)
	remove()
	r.gaps()
	return r.s.outcome(), nil
}

// beat takes one heartbeat the control plane handled.
func (r *beatRun) beat(h controlplane.HeartbeatSeen) {
	i, ok := r.peer[h.Heartbeat.NodeID]
	if !ok {
		return
	}
	due, sent := h.Heartbeat.Due, h.Heartbeat.Timestamp
	if due.IsZero() { // a worker that does not say: on time
		due = sent
	}
	r.mu.Lock()
	b := &r.beats[i]
	key := b.key(h.Heartbeat.Seq, due, r.interval)
	switch {
	case due.Before(r.tl.Start):
		r.mu.Unlock()
		return
	case !due.Before(r.tl.End):
		if b.end == 0 || key < b.end {
			b.end = key
		}
		r.mu.Unlock()
		return
	}
	if b.first == 0 || key < b.first {
		b.first = key
	}
	_, again := b.due[key]
	b.due[key] = due
	r.mu.Unlock()
	// A beat is sent by its worker (Sender) and numbered by its key.
	op := history.ReceiptOp(uint32(i), key, int32(i), h.Received.UnixNano(), h.Bytes) //nolint:gosec // i < workers
	if again {
		r.s.ops.Add(op) // a retried beat: a duplicate, told to Observe once
		return
	}
	r.s.sent(uint32(i), key, i, due, sent, h.Bytes) //nolint:gosec // i < workers
	r.s.received(op, due, sent)
}

// key numbers a beat within the run. A sequence number at or below the
// last one, due well after it, is a restarted worker's: a new epoch.
func (b *beats) key(seq uint64, due time.Time, interval time.Duration) uint64 {
	if b.lastSeq != 0 && seq <= b.lastSeq && due.After(b.lastDue.Add(interval/2)) {
		b.base += b.lastSeq
		b.lastSeq = 0
	}
	if seq > b.lastSeq {
		b.lastSeq, b.lastDue = seq, due
	}
	return b.base + seq
}

// pastEnd says whether every worker has sent a beat due after the end of
// the schedule: its earlier beats have all been sent.
func (r *beatRun) pastEnd() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.beats {
		if b.end == 0 {
			return false
		}
	}
	return true
}

// gaps records the beats that never came, between each worker's first in
// the schedule and its last, as sent and lost, due when the schedule had
// them after the last one seen before them.
func (r *beatRun) gaps() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, b := range r.beats {
		if b.first == 0 {
			continue
		}
		var last uint64
		if b.end > 0 {
			last = b.end - 1
		} else {
			for k := range b.due {
				last = max(last, k)
			}
		}
		var prev time.Time
		for k := b.first; k <= last; k++ {
			due, ok := b.due[k]
			if ok {
				prev = due
				continue
			}
			prev = prev.Add(r.interval)
			r.s.sent(uint32(i), k, i, prev, prev, 0) //nolint:gosec // i < workers
		}
	}
}
