package implload_test

import (
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/implload"
	"github.com/nngbench/nngbench/harness/scenario"
)

func reqrepSpec(rate float64, d time.Duration, o *observed) implload.Spec {
	s := implload.Spec{Spec: engine.Spec{Pattern: scenario.PatternReqRep, Rate: rate, Duration: d,
		Warmup: 200 * time.Millisecond, Size: scenario.SizeRange{Min: 64, Max: 512}, Seed: 1}}
	if o != nil {
		s.Observe = o.observe
	}
	return s
}

// Open and closed loop on a quiet cluster: every command answered, by
// every worker, quickly.
func TestReqRep(t *testing.T) {
	c := startCluster(t, 3)
	t.Run("open loop", func(t *testing.T) {
		var obs observed
		o := run(t, c, reqrepSpec(300, time.Second, &obs))
		recv := checkQuiet(t, c, o, 20*time.Millisecond)
		if got := obs.total(); got != o.Loss.Received {
			t.Errorf("Observe called %d times, %d replies", got, o.Loss.Received)
		}
		// A reply counts its request's bytes, as raw mode's echo does, so
		// that recv_bytes_per_s compares across modes: every request
		// answered, the bytes received are the bytes sent.
		if send := o.Send.Snapshot(o.End); recv.Bytes != send.SentBytes || recv.Bytes == 0 {
			t.Errorf("received %d bytes for %d sent", recv.Bytes, send.SentBytes)
		}
		for i, p := range o.Peers {
			if p.Sent == 0 || p.Received != p.Sent || p.Lost != 0 {
				t.Errorf("peer %d: %+v", i, p.Loss)
			}
		}
		t.Logf("open loop 300/s: p50 %vµs, p99 %vµs, %.0f replies/s", recv.Latency.P50, recv.Latency.P99, recv.RecvRate)
	})
	t.Run("closed loop", func(t *testing.T) {
		spec := reqrepSpec(0, time.Second, nil)
		spec.Concurrency = 4
		o := run(t, c, spec)
		recv := checkQuiet(t, c, o, 20*time.Millisecond)
		t.Logf("closed loop, 4 in flight: %.0f replies/s, p50 %vµs", recv.RecvRate, recv.Latency.P50)
	})
}

// Known-answer test (b): 20 ms of latency downstream on worker-2's
// commands link raises worker-2's median round trip by 20-25 ms and
// leaves the other workers' within noise.
func TestReqRepLatencyToxic(t *testing.T) {
	c := startCluster(t, 3)
	base, slow := withWorker2Latency(t, c, reqrepSpec(300, 1500*time.Millisecond, nil))
	t.Logf("p50 by worker, quiet %v, with the toxic %v", base, slow)
	for _, w := range c.Workers() {
		added := slow[w] - base[w]
		switch {
		case w == "worker-2" && (added < 20*time.Millisecond || added > 25*time.Millisecond):
			t.Errorf("%s: the toxic added %v to the p50, want 20-25ms", w, added)
		case w != "worker-2" && (added > 2*time.Millisecond || added < -2*time.Millisecond):
			t.Errorf("%s: p50 moved by %v without a toxic, want within 2ms", w, added)
		}
	}
}

// withWorker2Latency runs spec on the quiet cluster, then again with 20 ms
// of latency downstream on worker-2's commands link, and returns each
// worker's p50 round trip of both runs.
func withWorker2Latency(t *testing.T, c *cluster.Cluster, spec implload.Spec) (base, slow map[string]time.Duration) {
	t.Helper()
	base = medians(t, c, run(t, c, spec))
	p := c.Proxy("worker-2", "commands")
	if _, err := p.AddToxic("lat", "latency", "downstream", 1, toxiclient.Attributes{"latency": 20}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.RemoveToxic("lat") }()
	return base, medians(t, c, run(t, c, spec))
}

// medians is every worker's p50 round trip in o, checking that nothing
// was lost.
func medians(t *testing.T, c *cluster.Cluster, o *engine.Outcome) map[string]time.Duration {
	t.Helper()
	out := map[string]time.Duration{}
	for _, w := range c.Workers() {
		s := o.ByPeer[w].Snapshot(o.End)
		if s.Received == 0 || s.Timeouts+s.Errors != 0 {
			t.Fatalf("%s: %d replies, %d timeouts, %d errors", w, s.Received, s.Timeouts, s.Errors)
		}
		out[w] = time.Duration(s.Latency.P50 * float64(time.Microsecond))
	}
	if o.Loss.Lost != 0 {
		t.Errorf("lost %d", o.Loss.Lost)
	}
	return out
}
