package implload_test

import (
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/implload"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/impl/api"
)

// Every task submitted is completed once, by some worker, with the
// execution start between submission and result.
func TestPushPull(t *testing.T) {
	c := startCluster(t, 3)
	for _, tc := range []struct {
		name        string
		task        string
		rate        float64
		concurrency int
	}{
		{"echo open loop", api.TaskEcho, 500, 0},
		{"hash open loop", api.TaskHash, 300, 0},
		{"sleep closed loop", api.TaskSleep, 0, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var obs observed
			o := run(t, c, implload.Spec{Task: tc.task, Spec: engine.Spec{Pattern: scenario.PatternPushPull,
				Rate: tc.rate, Concurrency: tc.concurrency, Duration: time.Second, Warmup: 200 * time.Millisecond,
				Size: scenario.SizeRange{Min: 100, Max: 1000}, Observe: obs.observe}})
			recv := checkQuiet(t, c, o, 50*time.Millisecond)
			if got := obs.total(); got != o.Loss.Received {
				t.Errorf("Observe called %d times, %d tasks completed", got, o.Loss.Received)
			}
			executed := int64(0)
			for _, p := range o.Peers {
				executed += p.Received
			}
			if executed != o.Loss.Received || o.Loss.Received != o.Loss.Sent {
				t.Errorf("accepted %d, completed %d, executed %d", o.Loss.Sent, o.Loss.Received, executed)
			}
			start := o.Last.Snapshot(o.End)
			if start.Received != recv.Received || start.Latency.P50 <= 0 || start.Latency.Max > recv.Latency.Max {
				t.Errorf("one-way %d, p50 %vµs max %vµs; end to end %d, max %vµs",
					start.Received, start.Latency.P50, start.Latency.Max, recv.Received, recv.Latency.Max)
			}
			if tc.task == api.TaskSleep && recv.LatencyUncorrected.P50 < float64(implload.SleepTask.Microseconds()) {
				t.Errorf("sleep tasks done end to end in %vµs, less than they sleep", recv.LatencyUncorrected.P50)
			}
			t.Logf("%.0f tasks/s; end to end p50 %vµs p99 %vµs; to execution start p50 %vµs p99 %vµs",
				recv.RecvRate, recv.Latency.P50, recv.Latency.P99, start.Latency.P50, start.Latency.P99)
		})
	}
}
