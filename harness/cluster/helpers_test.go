package cluster_test

import (
	"context"
	"errors"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/impl/api"
)

// fastTiming makes failures show within a second.
func fastTiming() cluster.Timing {
	return cluster.Timing{HeartbeatInterval: 100 * time.Millisecond, HeartbeatTimeout: 500 * time.Millisecond,
		RequestTimeout: 2 * time.Second}
}

func status(c *cluster.Cluster, node string) string {
	for _, n := range c.ControlPlane().Nodes() {
		if n.ID == node {
			return n.Status
		}
	}
	return ""
}

// assertGone checks that no process of pids exists any more.
func assertGone(t *testing.T, pids []int) {
	t.Helper()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("pid %d: kill 0 = %v, want ESRCH", pid, err)
		}
	}
}

// medianHealth is the median round trip of n /health calls to worker.
func medianHealth(t *testing.T, c *cluster.Cluster, worker string, n int) time.Duration {
	t.Helper()
	rtts := make([]time.Duration, 0, n)
	for range n {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		start := time.Now()
		_, err := c.Health(ctx, worker)
		rtts = append(rtts, time.Since(start))
		cancel()
		if err != nil {
			t.Fatalf("%s %s: %v", worker, api.Health, err)
		}
	}
	slices.Sort(rtts)
	return rtts[n/2]
}
