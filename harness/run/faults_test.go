package run_test

import (
	"strings"
	"testing"

	"github.com/nngbench/nngbench/harness/run"
)

// TestPausedSubscriber is the fault issue's test (d): a worker stopped for
// 2 s while config broadcasts go on reports, for that worker, the
// broadcasts it lost (sequence gaps) or the ones it got late, whichever
// happened; and after the pause it is back on the latest config.
func TestPausedSubscriber(t *testing.T) {
	s := parse(t, `name: paused
workers: 3
warmup: 500ms
duration: 4s
cluster: {heartbeat_interval: 100ms, heartbeat_timeout: 5s}
workloads:
  - {name: config, pattern: pubsub, mode: impl, rate: 50/s, size: 256B}
faults:
  - {at: 1s, for: 2s, kind: pause, target: worker-2}
`)
	dir := t.TempDir()
	r, err := run.Run(t.Context(), s, run.Options{Dir: dir, Bin: binDir})
	if err != nil {
		t.Fatal(err)
	}
	w := workload(t, r, "config")
	late := w.Latency.Max >= 1500_000 // µs: held for most of the pause
	t.Logf("sent %d, received %d, lost %d, max %.0f ms", w.Sent, w.Received, w.Lost, w.Latency.Max/1000)
	if w.Lost == 0 && !late {
		t.Fatalf("a 2 s pause left no trace: lost %d, max latency %.0f ms", w.Lost, w.Latency.Max/1000)
	}
	if w.Received+w.Lost != 3*w.Sent {
		t.Errorf("received %d + lost %d, want every worker's copy of %d broadcasts accounted for", w.Received, w.Lost, w.Sent)
	}
	var phases []string
	for _, p := range w.Phases {
		phases = append(phases, p.Phase)
	}
	if strings.Join(phases, ",") != "before,during,after" {
		t.Errorf("phases %v, want before, during and after the pause", phases)
	}
	for _, c := range r.Checks {
		if c.Name == "config" && !c.OK {
			t.Errorf("config check after the pause: %+v", c)
		}
	}
	if len(r.Recovery) != 1 || r.Recovery[0].ConvergenceS == nil {
		t.Errorf("recovery %+v: want the convergence after the pause", r.Recovery)
	}
}

// TestPartitionCutsSurveys: a partition cuts every link of its target,
// surveys included, so the partitioned worker's answers are lost.
func TestPartitionCutsSurveys(t *testing.T) {
	s := parse(t, `name: cut
workers: 3
warmup: 500ms
duration: 3s
cluster: {heartbeat_interval: 100ms, heartbeat_timeout: 5s}
workloads:
  - {name: survey, pattern: survey, mode: impl, rate: 20/s, size: 64B}
faults:
  - {at: 500ms, for: 1500ms, kind: partition, target: worker-2}
`)
	r, err := run.Run(t.Context(), s, run.Options{Dir: t.TempDir(), Bin: binDir})
	if err != nil {
		t.Fatal(err)
	}
	w := workload(t, r, "survey")
	t.Logf("sent %d surveys, %d answers, %d lost", w.Sent, w.Received, w.Lost)
	// 1.5 s of 20 surveys a second unanswered by one worker, give or take
	// the surveys under way when the cut starts and ends.
	if w.Lost < 20 || w.Lost > 40 {
		t.Errorf("lost %d answers, want about 30: worker-2's during the partition", w.Lost)
	}
}

// TestControlPlaneFaults: with the control plane as a process, a kill (and
// restart) and a pause of it are applied and healed, the workers come back
// to it, and its registry is whole again: the instances are adopted from
// the workers' reports.
func TestControlPlaneFaults(t *testing.T) {
	s := parse(t, `name: cp
workers: 2
warmup: 500ms
duration: 4s
cluster: {heartbeat_interval: 100ms, heartbeat_timeout: 500ms, controlplane: process, instances: 4}
workloads:
  - {name: commands, pattern: reqrep, mode: impl, rate: 100/s}
faults:
  - {at: 500ms, kind: kill, target: controlplane, restart_after: 1s}
  - {at: 2500ms, for: 700ms, kind: pause, target: controlplane}
`)
	r, err := run.Run(t.Context(), s, run.Options{Dir: t.TempDir(), Bin: binDir})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Valid {
		t.Fatalf("invalid: %v", r.Invalid)
	}
	for _, f := range r.Faults {
		if f.StartedAt.IsZero() || f.EndedAt.IsZero() || f.Error != "" {
			t.Errorf("fault %s: %v..%v, %q: want applied and healed", f.Name, f.StartedAt, f.EndedAt, f.Error)
		}
	}
	for _, c := range r.Checks {
		if !c.OK {
			t.Errorf("check %s failed: %s %v", c.Name, c.Detail, c.Counts)
		}
		if c.Name == "instances" && c.Counts["instances"] != 4 {
			t.Errorf("the restarted control plane knows %d instances, want the 4 placed before", c.Counts["instances"])
		}
	}
}
