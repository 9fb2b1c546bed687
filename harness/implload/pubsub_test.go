package implload_test

import (
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/implload"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Every config version reaches every worker by broadcast, and the time
// until the last one has it is no shorter than any one worker's.
func TestPubSub(t *testing.T) {
	c := startCluster(t, 3)
	var obs observed
	o := run(t, c, implload.Spec{Spec: engine.Spec{Pattern: scenario.PatternPubSub, Rate: 200,
		Duration: time.Second, Warmup: 200 * time.Millisecond, Size: scenario.SizeRange{Min: 64, Max: 1024},
		Observe: obs.observe}})
	send := o.Send.Snapshot(o.End)
	recv := o.Recv.Snapshot(o.End)
	// Received counts each worker's receipt: three per version.
	if want := 3 * send.Sent; send.Sent == 0 || recv.Received != want {
		t.Errorf("sent %d versions, %d receipts, want %d", send.Sent, recv.Received, want)
	}
	if o.Loss.Lost != 0 || o.Loss.Duplicated != 0 || o.Loss.Reordered != 0 || o.Loss.Received != 3*o.Loss.Sent {
		t.Errorf("loss %+v", o.Loss)
	}
	if got := obs.total(); got != o.Loss.Received {
		t.Errorf("Observe called %d times, %d receipts", got, o.Loss.Received)
	}
	for _, w := range c.Workers() {
		s := o.ByPeer[w].Snapshot(o.End)
		if s.Received != send.Sent || s.Latency.P50 <= 0 || s.Latency.P50 > 20_000 {
			t.Errorf("%s: %d receipts, p50 %vµs; want %d, in (0, 20ms)", w, s.Received, s.Latency.P50, send.Sent)
		}
	}
	last := o.Last.Snapshot(o.End)
	if last.Received != send.Sent || last.Latency.P50 < recv.Latency.P50 || last.Latency.Max < recv.Latency.Max {
		t.Errorf("time to last: %d versions, p50 %vµs max %vµs; per worker p50 %vµs max %vµs",
			last.Received, last.Latency.P50, last.Latency.Max, recv.Latency.P50, recv.Latency.Max)
	}
	t.Logf("%.0f versions/s; one-way p50 %vµs p99 %vµs; until the last worker p50 %vµs p99 %vµs",
		send.SendRate, recv.Latency.P50, recv.Latency.P99, last.Latency.P50, last.Latency.P99)
}
