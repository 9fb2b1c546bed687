package fault_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
)

// startCluster starts 2 workers with fast heartbeats (100ms, 300ms
// timeout) and closes them when the test ends.
func startCluster(t *testing.T) (*cluster.Cluster, *cluster.Events) {
	t.Helper()
	ev := &cluster.Events{}
	c, err := cluster.Start(t.Context(), cluster.Options{
		Workers: 2, Dir: t.TempDir(), Bin: binDir, OnEvent: ev.Add,
		Timing: cluster.Timing{HeartbeatInterval: 100 * time.Millisecond,
			HeartbeatTimeout: 300 * time.Millisecond, RequestTimeout: 2 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c, ev
}

func status(c *cluster.Cluster, node string) string {
	for _, n := range c.ControlPlane().Nodes() {
		if n.ID == node {
			return n.Status
		}
	}
	return ""
}

// procState is the state letter of pid in /proc/<pid>/stat ('T' when
// stopped), or 0 when it cannot be read.
func procState(pid int) byte {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command may hold spaces
	if i < 0 || i+2 >= len(s) {
		return 0
	}
	return s[i+2]
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
			t.Fatalf("%s health: %v", worker, err)
		}
	}
	slices.Sort(rtts)
	return rtts[n/2]
}
