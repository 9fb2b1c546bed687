package e2e_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/internal/wait"
)

// TestUnreadFloodStallsNobody: one connection sends 30,000 /health requests
// to a REP socket of a real worker or control plane process and reads none
// of the replies. Throughout, another client's request to the same socket is
// answered within 100 ms and no worker is marked offline. Before issue 12
// the serving contexts blocked on the flooder's full connection one after
// the other: every other client of that worker timed out, and flooding the
// control plane's bind address cut off every worker's heartbeats.
func TestUnreadFloodStallsNobody(t *testing.T) {
	const requests = 30000
	cases := []struct {
		name    string
		target  func(c *cluster) (addr, metrics, socket string)
		probe   string // endpoint the other client calls
		peerKey string // its peer in the cluster's client
	}{
		{"worker", func(c *cluster) (string, string, string) {
			w := c.workers["worker-1"]
			return w.Ready.Addresses["bind"], w.Ready.Addresses["metrics"], "worker-1"
		}, api.Health, "worker-1"},
		{"controlplane-bind", func(c *cluster) (string, string, string) {
			return c.cp.Ready.Addresses["bind"], c.cp.Ready.Addresses["metrics"], "controlplane"
		}, api.ConfigLatest, "bind"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t)
			c.addWorker("worker-1", workerOpts{})
			c.addWorker("worker-2", workerOpts{})
			wait.Until(t, 10*time.Second, "2 workers online", func() bool { return c.onlineCount() == 2 })
			if err := c.client.AddPeer("bind", c.cp.Ready.Addresses["bind"]); err != nil {
				t.Fatal(err)
			}
			addr, metricsAddr, socket := tc.target(c)
			before := scrape(t, metricsAddr, "nngbench_messages_received_total", socket, "")

			f := testkit.Flood(t, addr, api.Health, requests)
			gone := func() float64 { // the flooder disconnected, for a stalled send or a stalled frame
				return scrape(t, metricsAddr, "nngbench_peer_disconnects_total", socket, f.Local) +
					scrape(t, metricsAddr, "nngbench_peer_frames_cut_total", socket, f.Local)
			}
			over := func() bool { // every request read, or the flooder gone
				return scrape(t, metricsAddr, "nngbench_messages_received_total", socket, "") >= before+requests || gone() > 0
			}
			var worst time.Duration
			probes := 0
			deadline := time.Now().Add(25 * time.Second)
			for !over() {
				if time.Now().After(deadline) {
					t.Fatalf("the flood is not over within 25 s (%d requests written)", f.Written())
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				start := time.Now()
				_, err := c.client.Call(ctx, tc.peerKey, tc.probe, nil)
				took := time.Since(start)
				cancel()
				if err != nil {
					t.Fatalf("%s during the flood, after %d probes: %v (took %v)", tc.probe, probes, err, took)
				}
				worst, probes = max(worst, took), probes+1
				for name, n := range c.nodes() {
					if n.Status != api.StatusOnline {
						t.Fatalf("%s is %s during the flood, after %d probes", name, n.Status, probes)
					}
				}
			}
			lost := scrape(t, metricsAddr, "nngbench_peer_messages_dropped_total", socket, f.Local) + gone()
			t.Logf("%d probes of %s during the flood, slowest %v; %d requests written; the flooder lost %.0f replies (dropped or disconnected)",
				probes, tc.probe, worst, f.Written(), lost)
			if worst > 100*time.Millisecond {
				t.Errorf("slowest %s during the flood took %v, want < 100ms", tc.probe, worst)
			}
			if lost == 0 {
				t.Errorf("nothing counted as lost for the flooder %s", f.Local)
			}
		})
	}
}

// scrape reads one counter of a socket (and, if peer is set, of that peer)
// from a process's /metrics; 0 when absent.
func scrape(t *testing.T, addr, metric, socket, peer string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape %s: %v", addr, err)
	}
	defer resp.Body.Close()
	want := []string{fmt.Sprintf("socket=%q", socket)}
	if peer != "" {
		want = append(want, fmt.Sprintf("peer=%q", peer))
	}
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(nil, 1<<20)
	var sum float64
	for lines.Scan() {
		line := lines.Text()
		labels, ok := strings.CutPrefix(line, metric+"{")
		if !ok {
			continue
		}
		labels, value, _ := strings.Cut(labels, "} ")
		matched := true
		for _, w := range want {
			matched = matched && strings.Contains(","+labels+",", ","+w+",")
		}
		if matched {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			sum += v
		}
	}
	return sum
}
