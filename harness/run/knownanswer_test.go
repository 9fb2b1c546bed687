package run_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/check"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/run"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/worker"
)

// Known-answer test (a) of the measurement issue: one subscriber killed -9
// at 50 broadcasts/s and started again 1 s later. Its loss is exactly the
// versions its own receipt journal (which outlives the kill) lacks by
// broadcast, whatever its restarted process numbers its receipts; the
// other workers lose nothing.
func TestKilledSubscriberLoss(t *testing.T) {
	s := parse(t, `name: killed-subscriber
workers: 3
warmup: 500ms
duration: 4s
cluster: {heartbeat_interval: 100ms, heartbeat_timeout: 5s}
workloads:
  - {name: config, pattern: pubsub, mode: impl, rate: 50/s, size: 256B}
faults:
  - {at: 1s, kind: kill, target: worker-2, restart_after: 1s}
`)
	dir := t.TempDir()
	if _, err := run.Run(t.Context(), s, run.Options{Dir: dir, Bin: binDir}); err != nil {
		t.Fatal(err)
	}
	h, err := history.ReadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	w := h.Meta.Workloads[0]
	f := check.WorkloadFigures(w, h.Tapes[0])
	var sent []uint64
	for _, tape := range h.Tapes[0] {
		for _, op := range tape {
			if op.Kind == history.Send {
				sent = append(sent, op.Seq)
			}
		}
	}
	for i, name := range w.Peers {
		boots, err := worker.ReadConfigJournal(filepath.Join(dir, run.ClusterDir, name+".config-journal"))
		if err != nil {
			t.Fatal(err)
		}
		had := map[uint64]bool{}
		for _, b := range boots {
			for _, r := range b.Receipts {
				if r.Via == api.ConfigViaBroadcast {
					had[r.Version] = true
				}
			}
		}
		var lacks []uint64
		for _, v := range sent {
			if !had[v] {
				lacks = append(lacks, v)
			}
		}
		slices.Sort(lacks)
		p := f.Peers[i]
		t.Logf("%s: %d process instances in its journal, lost %d of %d", name, len(boots), p.Lost, len(sent))
		if !slices.Equal(p.Missing, lacks) {
			t.Errorf("%s: reported missing %v, its journal lacks %v", name, p.Missing, lacks)
		}
		switch {
		case name == "worker-2" && (len(boots) != 2 || p.Lost < 25 || p.Lost > 100):
			t.Errorf("%s: %d boots, lost %d: want a restart and about 50 lost (1 s at 50/s)", name, len(boots), p.Lost)
		case name != "worker-2" && p.Lost != 0:
			t.Errorf("%s: lost %d, want 0", name, p.Lost)
		}
	}
}

// Known-answer test (b): a partition of worker-2 (1 s to 3 s) overlapping
// a latency fault on worker-1's commands (2 s to 6 s), 100 ms heartbeats
// and 200 ms reconnects. The partition's figures are its own: convergence
// from its heal in under 0.8 s, and its performance back from worker-2's
// traffic alone, before the latency fault is healed.
func TestOverlappingFaultsRecoverApart(t *testing.T) {
	s := parse(t, `name: overlapping
workers: 3
warmup: 1s
duration: 8s
cluster: {heartbeat_interval: 100ms, heartbeat_timeout: 300ms, instances: 6}
workloads:
  - {name: commands, pattern: reqrep, mode: impl, rate: 300/s, size: 256B}
  - {name: config, pattern: pubsub, mode: impl, rate: 50/s, size: 64B}
faults:
  - {at: 1s, for: 2s, kind: partition, target: worker-2}
  - {at: 2s, for: 4s, kind: latency, target: worker-1, link: commands, direction: downstream, latency: 20ms}
`)
	dir := t.TempDir()
	if d := os.Getenv("NNGBENCH_KEEP"); d != "" {
		dir = d
	}
	r, err := run.Run(t.Context(), s, run.Options{Dir: dir, Bin: binDir})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Recovery) != 2 || len(r.Faults) != 2 {
		t.Fatalf("recovery %+v: want one per fault", r.Recovery)
	}
	cut, slow := r.Recovery[0], r.Recovery[1]
	show := func(p *float64) any {
		if p == nil {
			return "none"
		}
		return *p
	}
	t.Logf("partition: detection %v, migration %v, convergence %v, performance %v; latency: performance %v",
		show(cut.DetectionS), show(cut.MigrationS), show(cut.ConvergenceS), show(cut.PerformanceS), show(slow.PerformanceS))
	if cut.ConvergenceS == nil || *cut.ConvergenceS >= 0.8 {
		t.Errorf("partition convergence %v: want under 0.8 s from its own heal", show(cut.ConvergenceS))
	}
	slowHealed := r.Faults[1].EndedAt
	if cut.PerformanceS == nil {
		t.Fatalf("partition: performance never recovered")
	}
	back := r.Faults[0].EndedAt.Add(time.Duration(*cut.PerformanceS * float64(time.Second)))
	if !back.Before(slowHealed) {
		t.Errorf("partition performance back at %v, not before the latency fault's heal at %v: it waited for it",
			back.Sub(r.StartedAt), slowHealed.Sub(r.StartedAt))
	}
	if cut.DetectionS == nil {
		t.Errorf("partition: worker-2 never detected offline")
	}
}
