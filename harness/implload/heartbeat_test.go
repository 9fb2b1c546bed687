package implload_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/implload"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Every worker's every beat of the window is handled, at the cluster's
// rate (2 workers every 100 ms: 20/s); a rate the cluster does not run at
// is refused.
func TestHeartbeat(t *testing.T) {
	c := startCluster(t, 2)
	var obs observed
	o := run(t, c, implload.Spec{Spec: engine.Spec{Pattern: scenario.PatternHeartbeat, Rate: 20,
		Duration: 2 * time.Second, Warmup: 200 * time.Millisecond, Observe: obs.observe}})
	recv := checkQuiet(t, c, o, 20*time.Millisecond)
	if o.Spec.Rate != 20 {
		t.Errorf("rate %g, want the cluster's 20/s", o.Spec.Rate)
	}
	// The handling rate: within a beat per worker of the plan.
	if d := recv.RecvRate - 20; d < -1 || d > 1 {
		t.Errorf("handled %.1f beats/s, want 20", recv.RecvRate)
	}
	if got := obs.total(); got != o.Loss.Received {
		t.Errorf("Observe called %d times, %d beats", got, o.Loss.Received)
	}
	t.Logf("%.1f beats/s handled; one-way from due p50 %vµs p99 %vµs, from sent p50 %vµs",
		recv.RecvRate, recv.Latency.P50, recv.Latency.P99, recv.LatencyUncorrected.P50)

	_, err := implload.Run(t.Context(), implload.Spec{Spec: engine.Spec{Pattern: scenario.PatternHeartbeat,
		Rate: 100, Duration: time.Second}}, c)
	if !errors.Is(err, implload.ErrSpec) {
		t.Errorf("rate 100/s on a 20/s cluster: %v, want ErrSpec", err)
	}
}
