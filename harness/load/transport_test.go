package load_test

import (
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Raw request/reply and push/pull over every transport other than tcp (which the other tests
// use), with the peers in this process and, where another process can reach the hub, as
// processes: every message delivered once, requests all answered.
func TestTransports(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		transport scenario.Transport
		procs     bool
	}{
		{scenario.TransportTLSTCP, false}, {scenario.TransportTLSTCP, true},
		{scenario.TransportIPC, false}, {scenario.TransportIPC, true},
		{scenario.TransportInproc, false},
	} {
		for _, pattern := range []scenario.Pattern{scenario.PatternReqRep, scenario.PatternPushPull} {
			name := string(tc.transport) + "/" + string(pattern)
			if tc.procs {
				name += "/procs"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				spec := load.Spec{Spec: engine.Spec{Pattern: pattern, Rate: 1000, Duration: 500 * time.Millisecond, Warmup: 100 * time.Millisecond, Concurrency: 2, Size: scenario.SizeRange{Min: 64, Max: 64}, Seed: 1}, Transport: tc.transport, Peers: 2}
				if tc.procs {
					spec.Procs = procs(t)
				}
				o := run(t, spec)
				send, recv := snapshots(o)
				if send.Sent == 0 || recv.Received != send.Sent || recv.Errors+recv.Timeouts+send.Errors != 0 {
					t.Fatalf("sent %d, received %d, errors %d, timeouts %d, send errors %d",
						send.Sent, recv.Received, recv.Errors, recv.Timeouts, send.Errors)
				}
				if o.Loss.Lost != 0 || o.Loss.Duplicated != 0 {
					t.Errorf("loss %+v, want none", o.Loss)
				}
				for _, p := range o.Peers {
					if p.Received == 0 {
						t.Errorf("peer %d received nothing", p.Peer)
					}
				}
				if o.Workload.Transport != string(tc.transport) {
					t.Errorf("outcome's workload says %q", o.Workload.Transport)
				}
				t.Logf("%s: p50 %vµs, p99 %vµs", name, recv.Latency.P50, recv.Latency.P99)
			})
		}
	}
}
