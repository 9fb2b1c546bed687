package main

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"

	"github.com/nngbench/nngbench/harness/result"
)

// writeRuns writes k runs of scenario smoke, one workload, as the runner
// does with --repeat: latencies around 250 µs / 1.5 ms / 4 ms with
// run-to-run noise, plus extraUS.
func writeRuns(t *testing.T, dir string, k int, seed uint64, extraUS float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	j := func(c, s float64) float64 { return c * math.Exp(s*rng.NormFloat64()) }
	for i := range k {
		lat := result.Percentiles{P50: j(250, 0.05) + extraUS, P90: j(800, 0.1) + extraUS, P99: j(1500, 0.15) + extraUS,
			P999: j(4000, 0.3) + extraUS, P9999: 9000 + extraUS, Max: 12000 + extraUS, Mean: 300 + extraUS, Count: 5000}
		r := &result.Result{Scenario: "smoke", Workers: 2, Transport: "tcp", DurationS: 5,
			StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Machine: result.Machine{Cores: 2, OS: "linux", Arch: "amd64"},
			Workloads: []result.Workload{{Name: "reqrep", Pattern: "reqrep", Mode: "impl", Model: result.ModelOpen,
				PlannedRate: 1000, Sent: 5000, Received: 5000, SendRate: 1000, RecvRate: j(1000, 0.005),
				Latency: lat, LatencyUncorrected: lat, Valid: true}},
			Valid: true}
		if err := result.Write(filepath.Join(dir, "smoke", fmt.Sprintf("run-%02d", i+1)), r, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGateExitCodes runs the command as CI does and checks the exit
// contract and the Markdown file.
func TestGateExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		k      int
		extra  float64
		args   []string
		exit   int
		inMark string
	}{
		{"same code passes", 5, 0, nil, exitOK, "## nngbench gate: PASS"},
		{"2 ms slower fails", 5, 2000, nil, exitGate, "| reqrep | p50 |"},
		{"a wide margin lets it through", 5, 2000, []string{"--max-regression", "1000%"}, exitOK, "worse"},
		{"too few runs", 3, 2000, nil, exitUsage, "needs at least 5 valid runs on each side"},
		{"missing baseline", 5, 0, []string{"--baseline", "/nonexistent/nngbench"}, exitUsage, "no such file"},
		{"bad margin", 5, 0, []string{"--max-regression", "ten"}, exitUsage, ""},
		{"bad alpha", 5, 0, []string{"--alpha", "2"}, exitUsage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, c, md := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "gate.md")
			writeRuns(t, b, tt.k, 1, 0)
			writeRuns(t, c, tt.k, 2, tt.extra)
			args := append([]string{"gate", "--baseline", b, "--candidate", c, "--markdown", md}, tt.args...)
			if got := run(args); got != tt.exit {
				t.Errorf("exit %d, want %d", got, tt.exit)
			}
			data, err := os.ReadFile(md)
			switch {
			case tt.inMark == "" && err == nil:
				t.Errorf("a Markdown file after a usage error:\n%s", data)
			case tt.inMark != "" && err != nil:
				t.Fatal(err)
			case !strings.Contains(string(data), tt.inMark):
				t.Errorf("Markdown lacks %q:\n%s", tt.inMark, data)
			}
		})
	}
	if got := run([]string{"gate", "--candidate", "x"}); got != exitUsage {
		t.Errorf("without --baseline: exit %d, want %d", got, exitUsage)
	}
}

// TestGateTable checks what the command prints.
func TestGateTable(t *testing.T) {
	t.Parallel()
	b, c := t.TempDir(), t.TempDir()
	writeRuns(t, b, 5, 1, 0)
	writeRuns(t, c, 5, 2, 2000)
	cmd := gateCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"--baseline", b, "--candidate", c})
	err := cmd.Execute()
	if err == nil || !strings.HasPrefix(err.Error(), "REGRESSION: 3 of 4 comparisons") {
		t.Errorf("error %v, want the regression summary", err)
	}
	for _, s := range []string{"workload  metric     baseline", "reqrep    p99.9 ", "REGRESSION", "recv_rate"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
}

func TestParseFraction(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want float64
		ok   bool
	}{{"10%", 0.1, true}, {"0.1", 0.1, true}, {" 2.5% ", 0.025, true}, {"0%", 0, false}, {"-5%", 0, false},
		{"x", 0, false}, {"%", 0, false}, {"NaN", 0, false}} {
		got, err := parseFraction(tt.in)
		if (err == nil) != tt.ok || (tt.ok && math.Abs(got-tt.want) > 1e-12) {
			t.Errorf("parseFraction(%q) = %g, %v", tt.in, got, err)
		}
	}
}

// TestBenchFormat: benchfmt reads the output; a missing folder is exit 2.
func TestBenchFormat(t *testing.T) {
	t.Parallel()
	b, c := t.TempDir(), t.TempDir()
	writeRuns(t, b, 2, 1, 0)
	writeRuns(t, c, 3, 2, 0)
	cmd := benchFormatCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{b, c})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	rd := benchfmt.NewReader(&out, "out")
	n := 0
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Error(rec)
		case *benchfmt.Result:
			n++
			if rec.Name.String() != "Smoke/reqrep-2" {
				t.Errorf("name %q", rec.Name.String())
			}
		}
	}
	if n != 5 {
		t.Errorf("%d results, want 5", n)
	}
	if got := run([]string{"bench-format", filepath.Join(b, "nope")}); got != exitUsage {
		t.Errorf("missing folder: exit %d, want %d", got, exitUsage)
	}
}

// --charts draws each side's median beside the other's.
func TestGateCharts(t *testing.T) {
	t.Parallel()
	b, c, charts := t.TempDir(), t.TempDir(), t.TempDir()
	writeRuns(t, b, 5, 1, 0)
	writeRuns(t, c, 5, 2, 2000)
	cmd := gateCmd()
	cmd.SetOut(io.Discard)
	cmd.SetArgs([]string{"--baseline", b, "--candidate", c, "--charts", charts})
	_ = cmd.Execute() // a regression: the charts are drawn all the same
	md, err := os.ReadFile(filepath.Join(charts, "smoke", "compare.md"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(charts, "smoke", "compare.png")); err != nil {
		t.Fatal(err)
	}
	// The candidate's runs are 2 ms slower: its median p50 shows it.
	if !strings.Contains(string(md), "| reqrep | p50 (ms) |") {
		t.Errorf("compare.md lacks the p50 row:\n%s", md)
	}
}
