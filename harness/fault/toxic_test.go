package fault_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/fault"
	"github.com/nngbench/nngbench/harness/scenario"
)

// TestLatency: 30 ms of latency downstream on worker-2's commands link
// adds at least 30 ms to its /health round trip (against worker-1, which
// has none); the toxic is listed on that proxy only; Undo takes it away.
func TestLatency(t *testing.T) {
	c, _ := startCluster(t)
	const calls = 21
	medianHealth(t, c, "worker-1", 5) // warm both paths up
	medianHealth(t, c, "worker-2", 5)
	base1, base2 := medianHealth(t, c, "worker-1", calls), medianHealth(t, c, "worker-2", calls)

	f := scenario.Fault{Kind: scenario.FaultLatency, Targets: []string{"worker-2"}, Link: scenario.LinkCommands,
		Direction: scenario.DirectionDownstream, Toxicity: 1, Latency: 30 * time.Millisecond}
	undo, err := fault.NewRegistry().Inject(t.Context(), f, fault.ClusterTarget(c))
	if err != nil {
		t.Fatal(err)
	}
	toxics, err := c.Proxy("worker-2", "commands").Toxics()
	if err != nil {
		t.Fatal(err)
	}
	if len(toxics) != 1 || toxics[0].Type != "latency" || toxics[0].Stream != "downstream" ||
		!strings.HasPrefix(toxics[0].Name, "nngbench-") || toxics[0].Attributes["latency"] != 30.0 {
		t.Errorf("toxics on worker-2.commands = %+v, want one nngbench- latency toxic of 30 downstream", toxics)
	}
	for _, p := range c.Proxies() {
		if tx, _ := p.Toxics(); p.Name != c.ProxyPrefix()+".worker-2.commands" && len(tx) != 0 {
			t.Errorf("%s has toxics %+v", p.Name, tx)
		}
	}
	slow1, slow2 := medianHealth(t, c, "worker-1", calls), medianHealth(t, c, "worker-2", calls)
	added := (slow2 - slow1) - (base2 - base1)
	t.Logf("medians: before %v / %v, with toxic %v / %v: +%v", base1, base2, slow1, slow2, added)
	// 1 ms under 30 for the noise of comparing medians of two workers.
	if added < 29*time.Millisecond || added > 40*time.Millisecond {
		t.Errorf("latency toxic added %v, want 30-40ms", added)
	}

	for range 2 { // idempotent
		if err := undo(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if toxics, err := c.Proxy("worker-2", "commands").Toxics(); err != nil || len(toxics) != 0 {
		t.Errorf("after Undo: toxics %+v, %v", toxics, err)
	}
	after1, after2 := medianHealth(t, c, "worker-1", calls), medianHealth(t, c, "worker-2", calls)
	if d := (after2 - after1) - (base2 - base1); d > 5*time.Millisecond {
		t.Errorf("after Undo worker-2 is still %v slower", d)
	}
}
