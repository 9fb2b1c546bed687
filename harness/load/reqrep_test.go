package load_test

import (
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/peer"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Open loop on a healthy loopback: every request is answered, quickly, and the latency from the
// intended send is never below the latency from the actual send.
func TestReqRepOpenLoop(t *testing.T) {
	t.Parallel()
	o := run(t, load.Spec{Spec: engine.Spec{Pattern: scenario.PatternReqRep, Rate: 1000, Duration: time.Second, Size: scenario.SizeRange{Min: 64, Max: 64}}})
	send, recv := snapshots(o)
	if send.Sent == 0 || recv.Received != send.Sent || recv.Timeouts != 0 || recv.Errors != 0 {
		t.Fatalf("sent %d, answered %d, timeouts %d, errors %d", send.Sent, recv.Received, recv.Timeouts, recv.Errors)
	}
	if o.Loss.Lost != 0 || o.Loss.Duplicated != 0 {
		t.Errorf("loss %+v, want none", o.Loss)
	}
	if p50 := recv.Latency.P50; p50 >= 5000 { // µs; generous for a shared 2-core machine
		t.Errorf("p50 %vµs, want under 5ms", p50)
	}
	c, u := recv.Latency, recv.LatencyUncorrected
	for _, p := range [][2]float64{{c.P50, u.P50}, {c.P90, u.P90}, {c.P99, u.P99}, {c.P999, u.P999}, {c.P9999, u.P9999}, {c.Max, u.Max}} {
		if p[0] < p[1] {
			t.Errorf("corrected %v below uncorrected %v (%+v vs %+v)", p[0], p[1], c, u)
		}
	}
}

// Closed loop keeps Concurrency requests in flight, with no schedule to keep.
func TestReqRepClosedLoop(t *testing.T) {
	t.Parallel()
	o := run(t, load.Spec{Spec: engine.Spec{Pattern: scenario.PatternReqRep, Concurrency: 4, Duration: time.Second, Size: scenario.SizeRange{Min: 64, Max: 64}}})
	send, recv := snapshots(o)
	if recv.RecvRate <= 0 || recv.Received != send.Sent {
		t.Fatalf("sent %d, answered %d (%.0f/s)", send.Sent, recv.Received, recv.RecvRate)
	}
	if recv.Errors+recv.Timeouts+send.Errors != 0 {
		t.Errorf("errors %d, timeouts %d, send errors %d", recv.Errors, recv.Timeouts, send.Errors)
	}
	t.Logf("closed loop, 4 in flight: %.0f req/s, p50 %vµs", recv.RecvRate, recv.Latency.P50)
}

// Requests to a replier that never answers time out (the watchdog closes their contexts) and
// the senders go on with the replier that does; nothing is counted as an error.
func TestReqRepSilentReplierTimesOut(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		procs bool
	}{{"goroutines", false}, {"processes", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec := load.Spec{Spec: engine.Spec{Pattern: scenario.PatternReqRep, Concurrency: 2, Warmup: 100 * time.Millisecond, Duration: time.Second, Timeout: 100 * time.Millisecond, Size: scenario.SizeRange{Min: 64, Max: 64}}, Peers: 2, Silent: []int{1}}
			if tc.procs {
				spec.Procs = procs(t)
			}
			o := run(t, spec)
			send, recv := snapshots(o)
			// Each timeout holds its sender for at least Timeout.
			most := int64(spec.Concurrency) * int64((spec.Warmup+spec.Duration)/spec.Timeout+1)
			if recv.Timeouts == 0 || recv.Timeouts > most {
				t.Errorf("timeouts %d, want 1..%d", recv.Timeouts, most)
			}
			if recv.Received == 0 || recv.Received+recv.Timeouts > send.Sent {
				t.Errorf("sent %d, answered %d, timed out %d", send.Sent, recv.Received, recv.Timeouts)
			}
			if recv.Errors+send.Errors != 0 {
				t.Errorf("errors %d, send errors %d", recv.Errors, send.Errors)
			}
			t.Logf("sent %d, answered %d, timed out %d", send.Sent, recv.Received, recv.Timeouts)
		})
	}
}

func TestSpecValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		spec load.Spec
	}{
		{"no duration", load.Spec{Spec: engine.Spec{Pattern: scenario.PatternPushPull}}},
		{"no raw driver", load.Spec{Spec: engine.Spec{Pattern: scenario.PatternHeartbeat, Duration: time.Second}}},
		{"negative rate", load.Spec{Spec: engine.Spec{Pattern: scenario.PatternPair, Rate: -1, Duration: time.Second}}},
		{"kill a peer that is not there", load.Spec{Spec: engine.Spec{Pattern: scenario.PatternPushPull, Duration: time.Second}, Peers: 2, Kill: &load.Kill{Peer: 2}}},
		{"inproc peers in processes", load.Spec{Spec: engine.Spec{Pattern: scenario.PatternPushPull, Duration: time.Second}, Transport: scenario.TransportInproc, Procs: &peer.Procs{Bin: "nngbench"}}},
		{"unknown transport", load.Spec{Spec: engine.Spec{Pattern: scenario.PatternPushPull, Duration: time.Second}, Transport: "udp"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.spec.Validate(); err == nil {
				t.Fatal("Validate passed")
			}
		})
	}
}
