package run_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/implload"
	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/run"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/internal/hdrjs"
)

// A raw-only scenario runs without a cluster and writes a valid result
// whose counts agree with each other, its histograms and its report.
func TestRawScenario(t *testing.T) {
	t.Parallel()
	s := parse(t, `
name: raw-two
workers: 2
seed: 3
warmup: 200ms
duration: 1s
workloads:
  - {name: push, pattern: pushpull, mode: raw, rate: 2000/s, size: 256B}
  - {name: rr, pattern: reqrep, mode: raw, rate: 500/s, size: 128B}
`)
	dir := filepath.Join(t.TempDir(), "out")
	var st statuses
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	r, err := run.Run(ctx, s, run.Options{Dir: dir, Progress: st.add, ProgressEvery: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !r.Valid {
		t.Fatalf("run invalid: %v", r.Invalid)
	}
	back := readResult(t, dir)
	if back.Scenario != "raw-two" || back.Workers != 2 || len(back.Workloads) != 2 || back.Machine.Cores == 0 {
		t.Errorf("result.json: scenario %q, %d workers, %d workloads, machine %+v", back.Scenario,
			back.Workers, len(back.Workloads), back.Machine)
	}
	for _, w := range back.Workloads {
		t.Run(w.Name, func(t *testing.T) {
			if w.Sent == 0 || w.Received == 0 {
				t.Fatalf("sent %d, received %d: nothing measured", w.Sent, w.Received)
			}
			if w.Sent != w.Received+w.Lost || w.Lost != 0 || w.Duplicated != 0 {
				t.Errorf("sent %d, received %d, lost %d, duplicated %d: want all sent received once",
					w.Sent, w.Received, w.Lost, w.Duplicated)
			}
			if w.Latency.Count != w.Received || w.LatencyUncorrected.Count != w.Received {
				t.Errorf("latency counts %d/%d for %d received", w.Latency.Count, w.LatencyUncorrected.Count, w.Received)
			}
			if w.Mode != "raw" || w.Model != result.ModelOpen || w.Intervals == nil {
				t.Errorf("mode %q, model %q, %d intervals", w.Mode, w.Model, len(w.Intervals))
			}
			for _, f := range []string{w.Name + ".hgrm", w.Name + ".uncorrected.hgrm"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Error(err)
				}
			}
			// The interval log, read by a second implementation, says
			// what result.json says, at a point per 100 ms (a run under
			// a minute).
			got := hdrjs.Decode(t, filepath.Join(dir, w.Name+record.LogExt))[""]
			hdrjs.Compare(t, w.Name, got, w.Latency)
			if len(w.Intervals) < 10 || w.Intervals[1].TS != 0.1 {
				t.Errorf("result.json's intervals %+v, want one per 100 ms", w.Intervals)
			}
			if len(got.Intervals) != len(w.Intervals) {
				t.Errorf("%d intervals in the log, %d in result.json", len(got.Intervals), len(w.Intervals))
			}
		})
	}
	// Known-answer test (c), through the whole runner: where the run is
	// valid, every open-loop workload sent within 1% of its plan.
	t.Run("achieved rate within 1% of plan", func(t *testing.T) {
		for _, w := range back.Workloads {
			if d := w.SendRate/w.PlannedRate - 1; !w.Valid || d < -0.01 || d > 0.01 {
				t.Errorf("%s: valid %v, send rate %.1f/s for %g/s planned (%+.2f%%)", w.Name, w.Valid, w.SendRate, w.PlannedRate, 100*d)
			}
		}
	})
	if _, err := os.Stat(filepath.Join(dir, report.MarkdownFile)); err != nil {
		t.Errorf("report: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, run.ClusterDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a raw-only run made %s: %v", run.ClusterDir, err)
	}
	checkProgress(t, st.list(), "push")
}

// checkProgress checks that the live status saw the load measured and
// moving, and ended with the clean-up.
func checkProgress(t *testing.T, all []run.Status, moving string) {
	t.Helper()
	if len(all) == 0 {
		t.Fatal("no progress reported")
	}
	seen := map[run.Phase]bool{}
	live := false
	for _, s := range all {
		seen[s.Phase] = true
		for _, w := range s.Workloads {
			live = live || (w.Name == moving && w.Received > 0 && w.Rate > 0 && w.P99 > 0)
		}
	}
	if !seen[run.PhaseMeasure] || !live {
		t.Errorf("phases %v, live figures for %s: %v; want measuring with figures", seen, moving, live)
	}
	if last := all[len(all)-1].Phase; last != run.PhaseStopping {
		t.Errorf("last phase %q, want %q", last, run.PhaseStopping)
	}
}

// fakeImpl stands in for implload: reqrep runs as raw load (real sockets,
// real figures), any other pattern is unsupported; it records what it got.
type fakeImpl struct {
	mu      sync.Mutex
	specs   []implload.Spec
	workers [][]string
}

func (f *fakeImpl) run(ctx context.Context, spec implload.Spec, c *cluster.Cluster) (*engine.Outcome, error) {
	f.mu.Lock()
	f.specs = append(f.specs, spec)
	f.workers = append(f.workers, c.Workers())
	f.mu.Unlock()
	if spec.Pattern != scenario.PatternReqRep {
		return nil, implload.ErrUnsupported
	}
	return load.Run(ctx, load.Spec{Spec: spec.Spec, Peers: len(c.Workers())})
}

// Impl workloads start a cluster, reach the injected driver with the
// cluster and their spec, and run beside the fault timeline; a failed
// driver is an invalid workload and an error, with the result written.
func TestImplDriverClusterAndFaults(t *testing.T) {
	t.Parallel()
	s := parse(t, `
name: fake-impl
workers: 2
duration: 800ms
cluster: {heartbeat_interval: 100ms, heartbeat_timeout: 500ms}
workloads:
  - {name: cmds, pattern: reqrep, mode: impl, rate: 200/s, endpoint: /health}
  - {name: tasks, pattern: pushpull, mode: impl, rate: 200/s, task: hash}
faults:
  - {at: 100ms, for: 300ms, kind: latency, target: worker-1, link: commands, direction: downstream, latency: 5ms}
  - {at: 0s, for: 500ms, kind: pause, target: worker-2}
`)
	dir := t.TempDir()
	fake := &fakeImpl{}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	r, err := run.Run(ctx, s, run.Options{Dir: dir, Bin: binDir, Impl: fake.run})
	if !errors.Is(err, run.ErrWorkload) || !errors.Is(err, implload.ErrUnsupported) {
		t.Fatalf("Run: %v, want ErrWorkload wrapping ErrUnsupported", err)
	}
	assertGone(t, clusterPids(t, dir))
	back := readResult(t, dir)
	if r == nil || r.Valid || back.Valid || !containsAny(back.Invalid, "workload tasks") {
		t.Errorf("run valid %v, %q: want invalid for workload tasks", back.Valid, back.Invalid)
	}
	if cmds := workload(t, back, "cmds"); !cmds.Valid || cmds.Mode != "impl" || cmds.Sent == 0 || cmds.Received != cmds.Sent {
		t.Errorf("cmds: valid %v (%s), mode %s, sent %d, received %d", cmds.Valid, cmds.Invalid, cmds.Mode, cmds.Sent, cmds.Received)
	}
	if tasks := workload(t, back, "tasks"); tasks.Valid || tasks.Sent != 0 {
		t.Errorf("tasks: valid %v, sent %d; want not measured", tasks.Valid, tasks.Sent)
	}
	if len(fake.specs) != 2 {
		t.Fatalf("driver called %d times, want 2", len(fake.specs))
	}
	for i, sp := range fake.specs {
		if sp.Duration != 800*time.Millisecond || !slices.Equal(fake.workers[i], []string{"worker-1", "worker-2"}) {
			t.Errorf("spec %d: duration %v, cluster workers %v", i, sp.Duration, fake.workers[i])
		}
		if want := map[scenario.Pattern][2]string{scenario.PatternReqRep: {"/health", ""},
			scenario.PatternPushPull: {"", "hash"}}[sp.Pattern]; [2]string{sp.Endpoint, sp.Task} != want {
			t.Errorf("%s: endpoint %q, task %q, want %v", sp.Pattern, sp.Endpoint, sp.Task, want)
		}
	}
	if len(back.Faults) != 2 {
		t.Fatalf("%d faults recorded, want 2", len(back.Faults))
	}
	for _, f := range back.Faults {
		if f.Error != "" || f.StartedAt.IsZero() || f.EndedAt.IsZero() || f.StartedAt.Before(back.StartedAt) {
			t.Errorf("fault %s: error %q, %v..%v (window from %v): want applied in the window and healed",
				f.Name, f.Error, f.StartedAt, f.EndedAt, back.StartedAt)
		}
	}
}

// Cancelling a run mid-way stops it at once and still writes what was
// measured, marked invalid.
func TestCancelWritesPartialResult(t *testing.T) {
	t.Parallel()
	s := parse(t, `
name: cancelled
workers: 1
duration: 20s
workloads:
  - {name: push, pattern: pushpull, mode: raw, rate: 1000/s, size: 64B}
`)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var once sync.Once
	var cancelled, stopping time.Time // written by the progress goroutine, read after Run returns
	progress := func(st run.Status) {
		if st.Phase == run.PhaseMeasure && len(st.Workloads) == 1 && st.Workloads[0].Received > 100 {
			once.Do(func() { cancelled = time.Now(); cancel() })
		}
		if st.Phase == run.PhaseStopping && stopping.IsZero() {
			stopping = time.Now()
		}
	}
	r, err := run.Run(ctx, s, run.Options{Dir: dir, Progress: progress, ProgressEvery: 20 * time.Millisecond})
	returned := time.Since(cancelled)
	if !errors.Is(err, run.ErrInterrupted) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, want ErrInterrupted wrapping context.Canceled", err)
	}
	if cancelled.IsZero() || stopping.IsZero() {
		t.Fatalf("cancelled at %v, stopping at %v: the run never got that far", cancelled, stopping)
	}
	// The load stops at once; writing the report (PNGs, slow under -race)
	// takes the rest.
	t.Logf("load stopped %v after the cancel, Run returned after %v", stopping.Sub(cancelled), returned)
	if d := stopping.Sub(cancelled); d > 2*time.Second {
		t.Errorf("load stopped %v after the cancel", d)
	}
	if returned > time.Minute {
		t.Errorf("Run returned %v after the cancel", returned)
	}
	back := readResult(t, dir)
	w := workload(t, back, "push")
	if r == nil || back.Valid || r.Valid || !containsAny(back.Invalid, "interrupted") || w.Valid || w.Sent == 0 {
		t.Errorf("valid %v, invalid %q; workload valid %v, sent %d: want invalid, interrupted, with what was sent",
			back.Valid, back.Invalid, w.Valid, w.Sent)
	}
	if back.DurationS <= 0 || back.DurationS >= 20 {
		t.Errorf("duration_s %v: want the part measured", back.DurationS)
	}
	// The rate is taken over the part measured, not the planned window.
	if d := w.SendRate/1000 - 1; d < -0.1 || d > 0.1 {
		t.Errorf("send rate %.1f/s over %.2fs, want about 1000/s", w.SendRate, back.DurationS)
	}
	if _, err := os.Stat(filepath.Join(dir, report.MarkdownFile)); err != nil {
		t.Errorf("report: %v", err)
	}
}

func TestOptionsRejected(t *testing.T) {
	t.Parallel()
	s := parse(t, "name: x\nduration: 1s\nworkloads: [{pattern: pushpull, mode: raw, rate: 10/s}]\n")
	for _, tc := range []struct {
		name string
		s    *scenario.Scenario
		o    run.Options
	}{
		{"nil scenario", nil, run.Options{}},
		{"negative progress", s, run.Options{ProgressEvery: -1}},
		{"negative cleanup", s, run.Options{CleanupTimeout: -time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			tc.o.Dir = dir
			r, err := run.Run(t.Context(), tc.s, tc.o)
			if !errors.Is(err, run.ErrOptions) || r != nil {
				t.Errorf("Run = %v, %v; want ErrOptions and no result", r, err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("rejected options still made %s", dir)
			}
		})
	}
}

func TestDir(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rep, reps int
		want      string
	}{
		{1, 1, "out/s"},
		{1, 0, "out/s"},
		{1, 3, "out/s/run-01"},
		{3, 3, "out/s/run-03"},
		{7, 120, "out/s/run-007"},
	} {
		if got := run.Dir("out", "s", tc.rep, tc.reps); got != tc.want {
			t.Errorf("Dir(out, s, %d, %d) = %q, want %q", tc.rep, tc.reps, got, tc.want)
		}
	}
}

func TestNeedsCluster(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml string
		want       bool
	}{
		{"raw only", "name: a\nduration: 1s\nworkloads: [{pattern: pushpull, mode: raw, rate: 1/s}]\n", false},
		{"impl", "name: a\nduration: 1s\nworkloads: [{pattern: pushpull, rate: 1/s}]\n", true},
		{"raw with a fault", "name: a\nworkers: 2\nduration: 1s\nworkloads: [{pattern: bus, concurrency: 1}]\n" +
			"faults: [{at: 0s, for: 500ms, kind: pause, target: worker-2}]\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := parse(t, tc.yaml)
			if got := run.NeedsCluster(s); got != tc.want {
				t.Errorf("NeedsCluster = %v, want %v", got, tc.want)
			}
			if got := run.NeedsBin(s); got != tc.want {
				t.Errorf("NeedsBin = %v, want %v", got, tc.want)
			}
			s.Transport = scenario.TransportInproc // its workers are goroutines
			if run.NeedsBin(s) {
				t.Error("NeedsBin with transport inproc")
			}
		})
	}
}

// A cluster that cannot start fails the run, and the result still says so.
func TestClusterFailureIsWritten(t *testing.T) {
	t.Parallel()
	bin := t.TempDir() // a "worker" that exits at once
	if err := os.WriteFile(filepath.Join(bin, "worker"), []byte("#!/bin/sh\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	s := parse(t, "name: nocluster\nduration: 1s\nworkloads: [{name: cmds, pattern: reqrep, rate: 10/s}]\n")
	dir := t.TempDir()
	r, err := run.Run(t.Context(), s, run.Options{Dir: dir, Bin: bin, Impl: (&fakeImpl{}).run})
	if !errors.Is(err, run.ErrCluster) || !errors.Is(err, cluster.ErrProcessExited) {
		t.Fatalf("Run: %v, want ErrCluster wrapping cluster.ErrProcessExited", err)
	}
	back := readResult(t, dir)
	if r == nil || back.Valid || !containsAny(back.Invalid, "cluster") || back.DurationS != 0 || !back.StartedAt.IsZero() {
		t.Errorf("valid %v, invalid %q, duration %v, started %v: want invalid for the cluster, nothing measured",
			back.Valid, back.Invalid, back.DurationS, back.StartedAt)
	}
	if w := workload(t, back, "cmds"); w.Valid || w.Sent != 0 {
		t.Errorf("workload valid %v, sent %d: want not measured", w.Valid, w.Sent)
	}
	if _, err := os.Stat(filepath.Join(dir, report.MarkdownFile)); err != nil {
		t.Errorf("report: %v", err)
	}
}
