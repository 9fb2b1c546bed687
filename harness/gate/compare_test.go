package gate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/harness/gate"
	"github.com/nngbench/nngbench/harness/result"
)

// The runs a gate needs at alpha 0.05 with one workload (4 comparisons:
// 1/C(10,5) <= 0.05/4 < 1/C(8,4)) and with three (12: 1/C(10,5) <= 0.05/12).
const runsFor1, runsFor3 = 5, 5

// TestCompareDirs: the cases a CI job meets, on folders written as the
// runner writes them.
func TestCompareDirs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		base     func(t *testing.T, dir string)
		cand     func(t *testing.T, dir string)
		want     gate.Verdict
		contains []string // in the text output
	}{
		{
			name: "same distribution passes",
			base: func(t *testing.T, d string) {
				writeRuns(t, d, newNoise(1, 0).runs(runsFor3, "smoke", "reqrep", "pubsub", "pushpull"))
			},
			cand: func(t *testing.T, d string) {
				writeRuns(t, d, newNoise(2, 0).runs(runsFor3, "smoke", "reqrep", "pubsub", "pushpull"))
			},
			want: gate.Pass, contains: []string{"PASS: no significant regression beyond 10% in 12 comparisons"},
		},
		{
			name: "2 ms slower on every message fails",
			base: func(t *testing.T, d string) { writeRuns(t, d, newNoise(1, 0).runs(runsFor1, "smoke", "reqrep")) },
			cand: func(t *testing.T, d string) { writeRuns(t, d, newNoise(2, 2000).runs(runsFor1, "smoke", "reqrep")) },
			want: gate.Regression,
			contains: []string{"REGRESSION: 3 of 4 comparisons significantly worse than the baseline by more than 10%",
				"reqrep    p50 ", "REGRESSION"},
		},
		{
			name: "too few runs says how many are needed",
			base: func(t *testing.T, d string) { writeRuns(t, d, newNoise(1, 0).runs(3, "smoke", "reqrep")) },
			cand: func(t *testing.T, d string) { writeRuns(t, d, newNoise(2, 2000).runs(3, "smoke", "reqrep")) },
			want: gate.Incomparable,
			contains: []string{"scenario smoke: too few runs: 3 baseline and 3 candidate runs cannot show a difference at alpha 0.05 over 4 comparisons",
				"needs at least 5 valid runs on each side, or 6 candidate runs with the baseline's 3", "too few runs"},
		},
		{
			name: "one run each (OUT/<scenario>/result.json)",
			base: func(t *testing.T, d string) {
				writeOne(t, filepath.Join(d, "smoke"), newNoise(1, 0).run("smoke", "reqrep"))
			},
			cand: func(t *testing.T, d string) {
				writeOne(t, filepath.Join(d, "smoke"), newNoise(2, 0).run("smoke", "reqrep"))
			},
			want: gate.Incomparable, contains: []string{"1 baseline and 1 candidate runs", "needs at least 5 valid runs on each side, or 79 candidate runs with the baseline's 1"},
		},
		{
			name: "no workload in common",
			base: func(t *testing.T, d string) { writeRuns(t, d, newNoise(1, 0).runs(runsFor1, "smoke", "reqrep")) },
			cand: func(t *testing.T, d string) { writeRuns(t, d, newNoise(2, 0).runs(runsFor1, "smoke", "cmds")) },
			want: gate.Incomparable,
			contains: []string{"scenario smoke: no workload in common (baseline: reqrep; candidate: cmds)",
				"scenario smoke: workload reqrep is in the baseline, not in the candidate"},
		},
		{
			name: "no scenario in common",
			base: func(t *testing.T, d string) { writeRuns(t, d, newNoise(1, 0).runs(runsFor1, "smoke", "reqrep")) },
			cand: func(t *testing.T, d string) { writeRuns(t, d, newNoise(2, 0).runs(runsFor1, "other", "reqrep")) },
			want: gate.Incomparable,
			contains: []string{"no scenario in common (baseline: smoke; candidate: other)",
				"scenario smoke: in the baseline, but no run of it in the candidate", "note: scenario other is in the candidate only"},
		},
		{
			name:     "missing baseline folder",
			base:     func(t *testing.T, d string) { os.Remove(d) },
			cand:     func(t *testing.T, d string) { writeRuns(t, d, newNoise(2, 0).runs(runsFor1, "smoke", "reqrep")) },
			want:     gate.Incomparable,
			contains: []string{"baseline: gate: stat ", "no such file or directory"},
		},
		{
			name:     "empty candidate folder",
			base:     func(t *testing.T, d string) { writeRuns(t, d, newNoise(1, 0).runs(runsFor1, "smoke", "reqrep")) },
			cand:     func(t *testing.T, d string) {},
			want:     gate.Incomparable,
			contains: []string{"candidate: gate: reading ", "result: no result.json found under"},
		},
		{
			name: "a result.json that does not read",
			base: func(t *testing.T, d string) { writeRuns(t, d, newNoise(1, 0).runs(runsFor1, "smoke", "reqrep")) },
			cand: func(t *testing.T, d string) {
				writeRuns(t, d, newNoise(2, 0).runs(runsFor1, "smoke", "reqrep"))
				writeFile(t, filepath.Join(d, "smoke", "run-09", result.FileName), `{"schema": "nngbench/result/v0"}`)
			},
			want: gate.Incomparable, contains: []string{"has schema nngbench/result/v0"},
		},
		{
			name: "a scenario only in the candidate is noted",
			base: func(t *testing.T, d string) { writeRuns(t, d, newNoise(1, 0).runs(runsFor1, "smoke", "reqrep")) },
			cand: func(t *testing.T, d string) {
				writeRuns(t, d, newNoise(2, 0).runs(runsFor1, "smoke", "reqrep"))
				writeRuns(t, d, newNoise(3, 0).runs(1, "new", "reqrep"))
			},
			want: gate.Pass, contains: []string{"note: scenario new is in the candidate only; not compared"},
		},
		{
			name: "a regression outranks missing input",
			base: func(t *testing.T, d string) {
				writeRuns(t, d, newNoise(1, 0).runs(runsFor1, "smoke", "reqrep"))
				writeRuns(t, d, newNoise(3, 0).runs(runsFor1, "gone", "reqrep"))
			},
			cand: func(t *testing.T, d string) { writeRuns(t, d, newNoise(2, 2000).runs(runsFor1, "smoke", "reqrep")) },
			want: gate.Regression, contains: []string{"scenario gone: in the baseline, but no run of it in the candidate"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, c := t.TempDir(), t.TempDir()
			tt.base(t, b)
			tt.cand(t, c)
			rep, err := gate.CompareDirs(b, c, gate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			if err := rep.WriteText(&out); err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != tt.want {
				t.Errorf("verdict %v, want %v\n%s", rep.Verdict, tt.want, out.String())
			}
			for _, s := range tt.contains {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out.String())
				}
			}
		})
	}
}

func writeOne(t *testing.T, dir string, r *result.Result) {
	t.Helper()
	if err := result.Write(dir, r, nil); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoadRunsLayouts: runs are grouped by scenario name whatever the
// folders look like.
func TestLoadRunsLayouts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		write func(t *testing.T, dir string, n *noise) string // returns the folder to load
		want  map[string]int
	}{
		{"OUT/<scenario>/result.json", func(t *testing.T, d string, n *noise) string {
			writeOne(t, filepath.Join(d, "a"), n.run("a", "w"))
			writeOne(t, filepath.Join(d, "b"), n.run("b", "w"))
			return d
		}, map[string]int{"a": 1, "b": 1}},
		{"OUT/<scenario>/run-NN/result.json", func(t *testing.T, d string, n *noise) string {
			writeRuns(t, d, n.runs(3, "a", "w"))
			writeRuns(t, d, n.runs(2, "b", "w"))
			return d
		}, map[string]int{"a": 3, "b": 2}},
		{"OUT/run-NN/<scenario>/result.json", func(t *testing.T, d string, n *noise) string {
			for _, run := range []string{"run-01", "run-02"} {
				writeOne(t, filepath.Join(d, run, "a"), n.run("a", "w"))
			}
			return d
		}, map[string]int{"a": 2}},
		{"a scenario's own folder", func(t *testing.T, d string, n *noise) string {
			writeRuns(t, d, n.runs(4, "a", "w"))
			return filepath.Join(d, "a")
		}, map[string]int{"a": 4}},
		{"a single run's folder", func(t *testing.T, d string, n *noise) string {
			writeOne(t, d, n.run("a", "w"))
			return d
		}, map[string]int{"a": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs, err := gate.LoadRuns(tt.write(t, t.TempDir(), newNoise(1, 0)))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for name, runs := range rs.Scenarios {
				got[name] = len(runs)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("scenarios %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("scenarios %v, want %v", got, tt.want)
				}
			}
		})
	}
	if _, err := gate.LoadRuns(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Error("LoadRuns of a missing folder succeeded")
	}
	f := filepath.Join(t.TempDir(), "file")
	writeFile(t, f, "x")
	if _, err := gate.LoadRuns(f); err == nil || !strings.Contains(err.Error(), "is not a folder") {
		t.Errorf("LoadRuns of a file = %v", err)
	}
}

// TestCompareDefinitionsDiffer: differences are printed and the comparison
// still runs.
func TestCompareDefinitionsDiffer(t *testing.T) {
	t.Parallel()
	base := newNoise(1, 0).runs(runsFor1, "smoke", "reqrep")
	cand := newNoise(2, 0).runs(runsFor1, "smoke", "reqrep")
	for i, r := range cand {
		r.Result.Workers = 3
		r.Result.Workloads[0].PlannedRate = 2000
		r.Result.Faults = []result.Fault{{Name: "slow", Kind: "latency", Target: "worker-1", Link: "commands",
			Params: map[string]any{"latency_ms": 2.0}, AtS: 1, ForS: 2}}
		if i == 0 {
			r.Result.Machine.CPU = "other cpu"
		}
	}
	rep, err := gate.Compare(inMemory("b", base), inMemory("c", cand), gate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"definitions differ (compared anyway):",
		"workers: 2 → 3",
		"machine.cpu: the candidate runs differ among themselves: other cpu | test cpu",
		"machine.cpu: test cpu → other cpu | test cpu",
		"workloads.reqrep.planned_rate: 1000 → 2000",
		"faults: 0 → 1",
		`faults[0]: (none) → slow latency target=worker-1 link=commands direction= at=1s for=2s params={"latency_ms":2}`,
	} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	if rep.Verdict != gate.Pass || rep.Comparisons != 4 {
		t.Errorf("verdict %v over %d comparisons, want PASS over 4", rep.Verdict, rep.Comparisons)
	}
}

// TestCompareInvalidLeftOut: runs and workloads marked invalid do not
// count, and the report says so; when that leaves too few, the gate says it
// cannot decide.
func TestCompareInvalidLeftOut(t *testing.T) {
	t.Parallel()
	base := newNoise(1, 0).runs(runsFor1+1, "smoke", "reqrep")
	cand := newNoise(2, 2000).runs(runsFor1+1, "smoke", "reqrep")
	base[0].Result.Valid, base[0].Result.Invalid = false, []string{"fault not applied"}
	cand[0].Result.Workloads[0].Valid, cand[0].Result.Workloads[0].Invalid = false, "generator fell behind"
	rep, err := gate.Compare(inMemory("b", base), inMemory("c", cand), gate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"note: baseline run smoke/run-01/result.json is marked invalid (fault not applied); left out",
		"note: candidate run smoke/run-01/result.json: workload reqrep is marked invalid (generator fell behind); left out",
		"smoke (5 baseline runs, 6 candidate runs)",
	} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	if strings.Count(out.String(), "generator fell behind") != 1 {
		t.Errorf("a note repeats:\n%s", out.String())
	}
	if rep.Verdict != gate.Regression {
		t.Errorf("verdict %v, want REGRESSION", rep.Verdict)
	}
	for _, r := range cand {
		r.Result.Valid, r.Result.Invalid = false, []string{"x"}
	}
	rep, err = gate.Compare(inMemory("b", base), inMemory("c", cand), gate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != gate.Incomparable || !strings.Contains(strings.Join(rep.Problems, "\n"), "scenario smoke: no valid run in the candidate") {
		t.Errorf("all candidate runs invalid: %v %q", rep.Verdict, rep.Problems)
	}
}

// TestCompareNoLatencyData: a workload whose candidate runs have no
// latency samples cannot be compared on latency.
func TestCompareNoLatencyData(t *testing.T) {
	t.Parallel()
	base := newNoise(1, 0).runs(runsFor1, "smoke", "reqrep")
	cand := newNoise(2, 0).runs(runsFor1, "smoke", "reqrep")
	for _, r := range cand {
		r.Result.Workloads[0].Latency = result.Percentiles{}
	}
	rep, err := gate.Compare(inMemory("b", base), inMemory("c", cand), gate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != gate.Incomparable || rep.Comparisons != 1 {
		t.Errorf("verdict %v over %d comparisons, want INCOMPARABLE over 1 (recv_rate)", rep.Verdict, rep.Comparisons)
	}
	if want := "scenario smoke: reqrep p50: no usable value in the candidate runs"; !strings.Contains(strings.Join(rep.Problems, "\n"), want) {
		t.Errorf("problems %q lack %q", rep.Problems, want)
	}
}

// TestCompareThroughput: lower throughput is the regression for
// recv_rate, higher is better.
func TestCompareThroughput(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		factor float64
		want   string
	}{{"halved", 0.5, gate.RowRegression}, {"doubled", 2, gate.RowBetter}, {"5% lower", 0.95, gate.RowWorse}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := newNoise(1, 0).runs(runsFor1, "smoke", "reqrep")
			cand := newNoise(2, 0).runs(runsFor1, "smoke", "reqrep")
			for _, r := range cand {
				r.Result.Workloads[0].RecvRate *= tt.factor
			}
			rep, err := gate.Compare(inMemory("b", base), inMemory("c", cand), gate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			row := rep.Scenarios[0].Rows[3]
			if row.Metric != "recv_rate" || row.Verdict != tt.want {
				t.Errorf("%s %s, want %s (p %g, delta %g)", row.Metric, row.Verdict, tt.want, row.P, row.Delta)
			}
		})
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	for _, o := range []gate.Options{{Alpha: 1}, {Alpha: -0.1}, {MaxRegression: -0.1}} {
		if _, err := gate.Compare(inMemory("b"), inMemory("c"), o); err == nil {
			t.Errorf("Compare accepted %+v", o)
		}
		if _, err := gate.CompareDirs("b", "c", o); err == nil {
			t.Errorf("CompareDirs accepted %+v", o)
		}
	}
	rep, err := gate.Compare(inMemory("b"), inMemory("c"), gate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Options.Alpha != gate.DefaultAlpha || rep.Options.MaxRegression != gate.DefaultMaxRegression {
		t.Errorf("defaults not filled in: %+v", rep.Options)
	}
}
