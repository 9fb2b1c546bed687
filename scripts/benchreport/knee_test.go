package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/harness/report"
)

// A suite with a rate sweep gains a section with each knee and, for a
// pattern searched through impl and raw, both maxima and their ratio.
func TestKnees(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	suite := filepath.Join(root, "reports", "latest")
	point := func(step int, planned, achieved float64, pass bool) report.RatePoint {
		return report.RatePoint{Step: step, Dir: "step-0" + string(rune('0'+step)), Planned: planned, Pass: pass,
			Runs: []report.RateRun{{Achieved: achieved, P50: 800, P99: 4000, P999: 9000, Valid: pass, SLOMet: pass}}}
	}
	rs := &report.RateSweep{Schema: report.RateSweepSchema, Scenario: "knee", Search: true, SLO: []string{"p99 < 50ms"},
		Repeat: 1, Transport: "tcp", Workers: 2, Machine: "m", Workloads: []report.RateSeries{
			{Name: "commands", Pattern: "reqrep", Mode: "impl", Objectives: []string{"commands.p99 < 50ms"}, Knee: 3000,
				Points: []report.RatePoint{point(1, 2000, 1990, true), point(2, 4000, 3100, false), point(3, 3000, 2990, true)}},
			{Name: "commands-raw", Pattern: "reqrep", Mode: "raw", Objectives: []string{"commands-raw.p99 < 50ms"}, Knee: 12000,
				Points: []report.RatePoint{point(1, 12000, 11990, true), point(2, 24000, 15000, false)}},
			{Name: "tasks", Pattern: "pushpull", Mode: "impl", Objectives: []string{"tasks.p99 < 50ms"},
				Points: []report.RatePoint{point(1, 5000, 3000, false)}},
		}}
	if err := report.WriteRateSweep(filepath.Join(suite, "knee"), rs); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := writeKnees(&b, suite, filepath.Join(root, "RESULTS.md")); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"| [knee](reports/latest/knee/sweep.md) | commands | reqrep | impl | 3000 | 2990 | 3 | commands.p99 < 50ms |",
		"| [knee](reports/latest/knee/sweep.md) | tasks | pushpull | impl | none passed | none passed | 1 | tasks.p99 < 50ms |",
		"| [knee](reports/latest/knee/sweep.md) | reqrep | commands: 3000 | commands-raw: 12000 | 0.25x |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("section lacks %q:\n%s", want, got)
		}
	}
	// A suite without rate sweeps has no such section.
	b.Reset()
	if err := writeKnees(&b, t.TempDir(), "RESULTS.md"); err != nil || b.Len() != 0 {
		t.Errorf("without sweeps: %q, %v", b.String(), err)
	}
}
