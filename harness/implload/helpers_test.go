package implload_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/implload"
	"github.com/nngbench/nngbench/harness/record"
)

// startCluster starts n workers with fast timing, closed at the test's end.
func startCluster(t *testing.T, n int) *cluster.Cluster {
	t.Helper()
	c, err := cluster.Start(t.Context(), cluster.Options{
		Workers: n, Dir: t.TempDir(), Bin: binDir,
		Timing: cluster.Timing{HeartbeatInterval: 100 * time.Millisecond, HeartbeatTimeout: time.Second,
			RequestTimeout: 2 * time.Second, TaskLease: 2 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(context.Background()); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return c
}

// run runs spec under a deadline well past its planned length.
func run(t *testing.T, c *cluster.Cluster, spec implload.Spec) *engine.Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), spec.Warmup+spec.Duration+30*time.Second)
	defer cancel()
	o, err := implload.Run(ctx, spec, c)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return o
}

// observed counts Observe calls per peer.
type observed struct {
	mu sync.Mutex
	n  map[int]int64
}

func (o *observed) observe(peer int, _ engine.Stamp) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n == nil {
		o.n = map[int]int64{}
	}
	o.n[peer]++
}

func (o *observed) total() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var sum int64
	for _, n := range o.n {
		sum += n
	}
	return sum
}

// checkQuiet checks what every driver owes on a quiet cluster: every
// message of the window received, none lost or failed, sane latencies
// (above zero, median below p50Max), receipts from every worker.
func checkQuiet(t *testing.T, c *cluster.Cluster, o *engine.Outcome, p50Max time.Duration) record.Summary {
	t.Helper()
	send, recv := o.Send.Snapshot(o.End), o.Recv.Snapshot(o.End)
	if send.Sent == 0 || recv.Received != send.Sent {
		t.Errorf("sent %d, received %d", send.Sent, recv.Received)
	}
	if n := recv.Errors + recv.Timeouts + send.Errors + recv.Lost; n != 0 {
		t.Errorf("errors %d, timeouts %d, send errors %d, lost %d", recv.Errors, recv.Timeouts, send.Errors, recv.Lost)
	}
	if o.Loss.Lost != 0 || o.Loss.Duplicated != 0 || o.Loss.Received == 0 {
		t.Errorf("loss %+v", o.Loss)
	}
	if p50 := recv.Latency.P50; p50 <= 0 || p50 >= float64(p50Max.Microseconds()) {
		t.Errorf("p50 %vµs, want in (0, %v)", p50, p50Max)
	}
	if recv.Latency.P50 < recv.LatencyUncorrected.P50 || recv.Latency.Max < recv.LatencyUncorrected.Max {
		t.Errorf("corrected %+v below uncorrected %+v", recv.Latency, recv.LatencyUncorrected)
	}
	// A negative or huge latency is a bug; a generator behind plan is the
	// machine's load (the whole suite runs at once), so it is only logged.
	if send.Clamped+recv.Clamped != 0 {
		t.Errorf("clamped latencies: %s %s", send.Invalid, recv.Invalid)
	} else if !send.Valid {
		t.Logf("generator behind: %s", send.Invalid)
	}
	for _, w := range c.Workers() {
		r := o.ByPeer[w]
		if r == nil {
			t.Errorf("ByPeer has no %s", w)
			continue
		}
		if s := r.Snapshot(o.End); s.Received == 0 {
			t.Errorf("%s: nothing received", w)
		}
	}
	if len(o.ByPeer) != len(c.Workers()) {
		t.Errorf("ByPeer has %d workers, want %d", len(o.ByPeer), len(c.Workers()))
	}
	return recv
}
