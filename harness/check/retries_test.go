package check_test

import (
	"testing"

	"github.com/nngbench/nngbench/harness/check"
	"github.com/nngbench/nngbench/impl/metrics"
)

func TestRetries(t *testing.T) {
	snap := func(sent, retries, timeouts uint64) metrics.Snapshot {
		return metrics.Snapshot{Sockets: []metrics.SocketStats{
			{Name: "cp/worker-1", Pattern: "req", Sent: sent, Retries: retries, Errors: map[string]uint64{"timeout": timeouts}},
			{Name: "cp/pub", Pattern: "pub", Sent: 1000, Retries: 0}, // not a request socket
		}}
	}
	for _, tc := range []struct {
		name          string
		before, after metrics.Snapshot
		ok            bool
		requests, amp int64
	}{
		{"no retries", snap(10, 0, 0), snap(110, 0, 0), true, 100, 100},
		{"some retries", snap(0, 0, 0), snap(130, 30, 30), true, 100, 130},
		{"past the policy", snap(0, 0, 0), snap(50, 40, 40), false, 10, 500},
		{"the control plane restarted", snap(500, 20, 20), snap(40, 0, 0), true, 40, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := check.Retries(tc.before, tc.after, 3)
			if c.OK != tc.ok || c.Counts["requests"] != tc.requests || c.Counts["amplification_pct"] != tc.amp {
				t.Fatalf("%+v: want ok %v, %d requests, amplification %d%%", c, tc.ok, tc.requests, tc.amp)
			}
		})
	}
}
