package cluster_test

import (
	"context"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/internal/wait"
)

func TestCluster(t *testing.T) {
	var ev cluster.Events
	c, err := cluster.Start(t.Context(), cluster.Options{
		Workers: 3, Timing: fastTiming(), Dir: t.TempDir(), Bin: binDir, OnEvent: ev.Add,
	})
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	t.Cleanup(func() {
		if err := c.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
		assertGone(t, pids)
	})
	t.Run("online through proxies", func(t *testing.T) {
		if got := len(c.Proxies()); got != 3*len(api.Links) {
			t.Fatalf("%d proxies, want %d", got, 3*len(api.Links))
		}
		for _, n := range c.ControlPlane().Nodes() {
			if want := "tcp://" + c.Proxy(n.ID, "commands").Listen; n.Status != api.StatusOnline || n.Address != want {
				t.Errorf("%s: %s at %s, want online at %s", n.ID, n.Status, n.Address, want)
			}
			pids = append(pids, c.Worker(n.ID).Pid())
		}
	})
	t.Run("latency toxic on commands", func(t *testing.T) { testLatency(t, c) })
	t.Run("kill and restart", func(t *testing.T) {
		w := c.Worker("worker-3")
		if err := w.Kill(); err != nil {
			t.Fatal(err)
		}
		wait.Until(t, 10*time.Second, "worker-3 offline", func() bool { return status(c, "worker-3") == api.StatusOffline })
		// The event is delivered after the registry changes, so wait for it too.
		wait.Until(t, 5*time.Second, "node_offline event for worker-3", func() bool { return ev.Count(controlplane.NodeOffline, "worker-3") > 0 })
		if err := w.Restart(t.Context()); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, w.Pid())
		wait.Until(t, 10*time.Second, "worker-3 online", func() bool { return status(c, "worker-3") == api.StatusOnline })
	})
}

// testLatency is known-answer test (b) in small: 20 ms of latency on
// worker-2's commands link, downstream, adds 20-25 ms to its round trip.
func testLatency(t *testing.T, c *cluster.Cluster) {
	const calls = 21
	medianHealth(t, c, "worker-1", 5) // warm both paths up
	medianHealth(t, c, "worker-2", 5)
	base1, base2 := medianHealth(t, c, "worker-1", calls), medianHealth(t, c, "worker-2", calls)
	p := c.Proxy("worker-2", "commands")
	if _, err := p.AddToxic("lat", "latency", "downstream", 1, toxiclient.Attributes{"latency": 20}); err != nil {
		t.Fatal(err)
	}
	slow1, slow2 := medianHealth(t, c, "worker-1", calls), medianHealth(t, c, "worker-2", calls)
	added := (slow2 - slow1) - (base2 - base1)
	t.Logf("medians: before %v / %v, with toxic %v / %v: +%v", base1, base2, slow1, slow2, added)
	if added < 19*time.Millisecond || added > 25*time.Millisecond {
		t.Errorf("latency toxic added %v, want 20-25ms", added)
	}
	if err := p.RemoveToxic("lat"); err != nil {
		t.Fatal(err)
	}
	after1, after2 := medianHealth(t, c, "worker-1", calls), medianHealth(t, c, "worker-2", calls)
	if d := (after2 - after1) - (base2 - base1); d > 3*time.Millisecond {
		t.Errorf("after removing the toxic worker-2 is still %v slower", d)
	}
}
