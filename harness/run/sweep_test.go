package run_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/run"
	"github.com/nngbench/nngbench/harness/scenario"
)

// fakeSystem answers a run at each planned rate as a system of known
// capacity would: below it, p99 of 1 ms, at or above it the generator
// falls behind (invalid) and the tail grows with the excess.
type fakeSystem struct {
	mu       sync.Mutex
	capacity map[string]float64 // by workload
	dirs     []string
	runs     [][]string // each run's workloads, by name
}

func (f *fakeSystem) run(_ context.Context, s *scenario.Scenario, dir string) (*result.Result, error) {
	f.mu.Lock()
	f.dirs = append(f.dirs, dir)
	var names []string
	for _, w := range s.Workloads {
		names = append(names, w.Name)
	}
	f.runs = append(f.runs, names)
	f.mu.Unlock()
	r := &result.Result{Schema: result.Schema, Scenario: s.Name, Workers: s.Workers, Valid: true}
	for _, w := range s.Workloads {
		planned := w.Rate.PerSecond
		c := f.capacity[w.Name]
		rw := result.Workload{Name: w.Name, Pattern: string(w.Pattern), Mode: string(w.Mode), PlannedRate: planned,
			SendRate: planned, RecvRate: min(planned, c), Valid: true,
			Latency: result.Percentiles{P50: 500, P99: 1000, P999: 1500, Count: 1000}}
		if planned >= c {
			rw.Valid, rw.Invalid = false, "generator behind plan"
			rw.Latency.P99 = 1000 * (1 + 100*(planned-c)/c)
			r.Valid = false
		}
		r.Workloads = append(r.Workloads, rw)
	}
	return r, nil
}

const fakeScenario = `
name: knee
workers: 2
duration: 1s
workloads:
  - {name: a, pattern: reqrep, mode: raw, rate: 100/s}
  - {name: b, pattern: pushpull, mode: raw, rate: 1000/s}
  - {name: bg, pattern: pushpull, mode: raw, concurrency: 2}
`

// Each swept workload's search finds its own capacity to within the
// search's precision, within MaxSteps, each alone: its runs hold no other
// swept workload, only the closed-loop background load, which is left
// alone, and have a folder of their own.
func TestSweepSearchFindsEachCapacity(t *testing.T) {
	t.Parallel()
	s := parse(t, fakeScenario+"sweep: {rate: auto, slo: \"p99 < 5ms\", max_steps: 12}\n")
	f := &fakeSystem{capacity: map[string]float64{"a": 730, "b": 41000}}
	dir := t.TempDir()
	all, err := run.Sweep(t.Context(), s, run.SweepOptions{Dir: dir, Run: f.run})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) > 2*12 || len(all) != len(f.dirs) {
		t.Fatalf("%d runs (%d folders), want at most max_steps 12 per search", len(all), len(f.dirs))
	}
	for i, names := range f.runs {
		swept := filepath.Base(filepath.Dir(f.dirs[i])) // <dir>/<workload>/step-NN
		if len(names) != 2 || names[1] != "bg" || names[0] != swept {
			t.Errorf("run %d in %s holds %q, want [%s bg]", i, f.dirs[i], names, swept)
		}
	}
	rs, err := report.ReadRateSweep(filepath.Join(dir, report.RateSweepFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, sr := range rs.Workloads {
		c := f.capacity[sr.Name]
		if sr.Knee >= c || sr.Knee < c/(1+run.DefaultPrecision) {
			t.Errorf("%s: knee %g, want within %g%% below the capacity %g", sr.Name, sr.Knee, 100*run.DefaultPrecision, c)
		}
		if sr.Objectives[0] != sr.Name+".p99 < 5ms" {
			t.Errorf("%s: objectives %q", sr.Name, sr.Objectives)
		}
	}
	if len(rs.Workloads) != 2 {
		t.Errorf("swept %d workloads, want a and b (bg is closed loop)", len(rs.Workloads))
	}
	for _, name := range []string{report.SweepMarkdownFile, report.LatencyVsRateFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
}

// A fixed list runs each rate K times, round the rates, and its knee is
// the last rate that passed before the first that failed.
func TestSweepFixedRatesRepeated(t *testing.T) {
	t.Parallel()
	s := parse(t, fakeScenario+"sweep: {rate: [200, 400, 800, 1600], workload: a}\n")
	f := &fakeSystem{capacity: map[string]float64{"a": 700, "b": 1e9}}
	dir := t.TempDir()
	if _, err := run.Sweep(t.Context(), s, run.SweepOptions{Dir: dir, Run: f.run, Repeat: 2}); err != nil {
		t.Fatal(err)
	}
	want := []string{"rate-200/run-01", "rate-400/run-01", "rate-800/run-01", "rate-1600/run-01",
		"rate-200/run-02", "rate-400/run-02", "rate-800/run-02", "rate-1600/run-02"}
	for i, d := range f.dirs {
		if rel, _ := filepath.Rel(dir, d); filepath.ToSlash(rel) != want[i] {
			t.Errorf("run %d in %s, want %s", i, rel, want[i])
		}
	}
	rs, err := report.ReadRateSweep(filepath.Join(dir, report.RateSweepFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Workloads) != 1 || rs.Workloads[0].Knee != 400 || len(rs.Workloads[0].Points[0].Runs) != 2 {
		t.Fatalf("workloads %+v, want a alone with its knee at 400/s and 2 runs a point", rs.Workloads)
	}
	md, err := os.ReadFile(filepath.Join(dir, report.SweepMarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| 3 | 800.0 | 700.0 (700.0–700.0) |") {
		t.Errorf("sweep.md lacks the median and range at 800/s:\n%s", md)
	}
}

// knownCapacity is a raw replier that serves one request at a time in
// 10 ms: a capacity of 100 requests a second, low enough that a loaded
// machine, under the race detector too, still carries the harness's own
// side of it.
const knownCapacity = `
name: capacity
workers: 1
transport: inproc
seed: 7
warmup: 300ms
duration: 3s
workloads:
  - {name: rr, pattern: reqrep, mode: raw, rate: 75/s, size: 64B, service_time: 10ms}
`

// The search finds the capacity of a system that has a known one, and the
// rate where a fixed sweep of the same scenario first breaks the SLO. The
// windows are long enough that 2% over the capacity queues 35 ms of
// requests by the middle of the window, past the SLO, and that a stall of
// the generator by the end of it must pass 30 ms (1% of the window) to
// make the run invalid; the SLO is on p50, which the hiccups of a loaded
// machine (up to a few hundred milliseconds, now and then) leave alone.
func TestKneeOfKnownCapacity(t *testing.T) {
	const capacity = 100.0
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	search := parse(t, knownCapacity+"sweep: {rate: auto, slo: \"p50 < 20ms\", max_steps: 6}\n")
	dir := t.TempDir()
	// The points' own reports are left out: under the race detector
	// drawing them takes far longer than the runs.
	o := run.Options{NoReport: true}
	if _, err := run.Sweep(ctx, search, run.SweepOptions{Dir: filepath.Join(dir, "search"), Options: o}); err != nil {
		t.Fatal(err)
	}
	found := readKnee(t, filepath.Join(dir, "search"))
	fixed := parse(t, knownCapacity+"sweep: {rate: [92, 102, 112], slo: \"p50 < 20ms\"}\n")
	if _, err := run.Sweep(ctx, fixed, run.SweepOptions{Dir: filepath.Join(dir, "fixed"), Options: o}); err != nil {
		t.Fatal(err)
	}
	rs := readSweep(t, filepath.Join(dir, "fixed"))
	firstBreak := math.Inf(1)
	for _, p := range rs.Workloads[0].Points {
		if !p.Pass {
			firstBreak = min(firstBreak, p.Planned)
		}
	}
	t.Logf("search: knee %.1f/s; fixed sweep: first breaks at %.0f/s, knee %.0f/s", found, firstBreak, rs.Workloads[0].Knee)
	if math.Abs(found-capacity) > 0.1*capacity {
		t.Errorf("search found %.1f/s, want within 10%% of the capacity %.0f/s", found, capacity)
	}
	if math.IsInf(firstBreak, 1) || math.Abs(found-firstBreak) > 0.1*firstBreak {
		t.Errorf("search found %.1f/s, want within 10%% of where the fixed sweep first breaks the SLO (%v/s)", found, firstBreak)
	}
}

func readSweep(t *testing.T, dir string) *report.RateSweep {
	t.Helper()
	rs, err := report.ReadRateSweep(filepath.Join(dir, report.RateSweepFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Workloads) != 1 {
		t.Fatalf("%d swept workloads, want 1", len(rs.Workloads))
	}
	return rs
}

func readKnee(t *testing.T, dir string) float64 {
	t.Helper()
	rs := readSweep(t, dir)
	for _, p := range rs.Workloads[0].Points {
		m := p.Runs[0]
		t.Logf("step %d at %.1f/s: achieved %.1f/s, p50 %.2fms, p99 %.2fms, pass %v %s", p.Step, p.Planned, m.Achieved,
			m.P50/1000, m.P99/1000, p.Pass, m.Detail)
	}
	return rs.Workloads[0].Knee
}
