package implload_test

import (
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Through the control plane's relay: every command answered, each one
// counted by the control plane's admin socket and by its client of the
// worker it went to, and 20 ms of latency on worker-2's commands link
// slowing worker-2's relayed commands only (the middle hop goes through
// the worker's commands proxy, as the control plane's own calls do).
func TestReqRepViaControlPlane(t *testing.T) {
	c := startCluster(t, 3)
	spec := reqrepSpec(300, time.Second, nil)
	spec.Via = scenario.ViaControlPlane
	before := relayCounts(t, c)
	o := run(t, c, spec)
	checkQuiet(t, c, o, 40*time.Millisecond)
	after := relayCounts(t, c)
	var sent uint64
	for i, p := range o.Peers {
		w := c.Workers()[i]
		if p.Sent == 0 || p.Received != p.Sent || p.Lost != 0 {
			t.Errorf("%s: %+v", w, p.Loss)
		}
		sent += uint64(p.Sent)                                 //nolint:gosec // counts
		if got := after[w] - before[w]; got < uint64(p.Sent) { //nolint:gosec // counts
			t.Errorf("%s: the control plane sent it %d requests, the driver %d", w, got, p.Sent)
		}
	}
	if got := after["admin"] - before["admin"]; got < sent {
		t.Errorf("the admin socket received %d requests, the driver sent %d", got, sent)
	}

	base, slow := withWorker2Latency(t, c, spec)
	t.Logf("relayed p50 by worker, quiet %v, with the toxic %v", base, slow)
	for _, w := range c.Workers() {
		added := slow[w] - base[w]
		switch {
		case w == "worker-2" && added < 20*time.Millisecond:
			t.Errorf("%s: the toxic added %v to the relayed p50, want at least 20ms", w, added)
		case w != "worker-2" && added > 10*time.Millisecond:
			t.Errorf("%s: relayed p50 grew by %v without a toxic", w, added)
		}
	}
}

// relayCounts is what the control plane's sockets have counted: requests
// received on its admin socket, and sent by its client to each worker.
func relayCounts(t *testing.T, c *cluster.Cluster) map[string]uint64 {
	t.Helper()
	snap, err := c.Sockets(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	if s, ok := snap.Socket("controlplane/admin"); ok {
		out["admin"] = s.Received
	}
	for _, w := range c.Workers() {
		if s, ok := snap.Socket("controlplane->" + w); ok {
			out[w] = s.Sent
		}
	}
	return out
}
