package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

// saved writes a small valid result into a new folder and returns it.
func saved(t *testing.T) (string, *result.Result) {
	t.Helper()
	r := &result.Result{
		Schema: result.Schema, Scenario: "saved", Workers: 1, Transport: "tcp", Seed: 1,
		StartedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), DurationS: 2,
		Workloads: []result.Workload{{Name: "w", Pattern: "pushpull", Mode: "raw", Model: result.ModelOpen,
			PlannedRate: 10, Concurrency: 1, Sent: 20, Received: 20, SendRate: 10, RecvRate: 10, Valid: true,
			Latency:   result.Percentiles{P50: 100, P90: 120, P99: 150, P999: 160, P9999: 160, Max: 160, Mean: 105, Count: 20},
			Intervals: []result.Interval{{TS: 0, Sent: 10, Received: 10, P50US: 100, P99US: 150, MaxUS: 160}, {TS: 1, Sent: 10, Received: 10, P50US: 100, P99US: 150, MaxUS: 160}}}},
		Faults: []result.Fault{}, Checks: []result.Check{}, Recovery: []result.Recovery{}, Gates: []result.Gate{},
		Valid: true,
	}
	dir := t.TempDir()
	if err := result.Write(dir, r, nil); err != nil {
		t.Fatal(err)
	}
	return dir, r
}

// The report comes from result.json alone, given its folder or the file.
func TestReportRegenerates(t *testing.T) {
	for _, tc := range []struct {
		name string
		arg  func(dir string) string
	}{
		{"folder", func(dir string) string { return dir }},
		{"file", func(dir string) string { return filepath.Join(dir, result.FileName) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, r := saved(t)
			if code := run([]string{"report", tc.arg(dir)}); code != exitOK {
				t.Fatalf("exit %d, want %d", code, exitOK)
			}
			md, err := os.ReadFile(filepath.Join(dir, report.MarkdownFile))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(md, report.Markdown(r)) {
				t.Errorf("report.md is not the Markdown of the saved result")
			}
			for _, png := range []string{report.PercentilesFile, report.LatencyFile, report.ThroughputFile} {
				if _, err := os.Stat(filepath.Join(dir, png)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// A file that is not a result this build reads exits 2 and writes nothing.
func TestReportRejectsBadFiles(t *testing.T) {
	dir, _ := saved(t)
	good, err := os.ReadFile(filepath.Join(dir, result.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, text string
	}{
		{"malformed", string(good[:len(good)/2])},
		{"older schema", strings.Replace(string(good), result.Schema, "nngbench/result/v0", 1)},
		{"unknown field", strings.Replace(string(good), `"seed": 1,`, `"seed": 1, "colour": "blue",`, 1)},
		{"inconsistent", strings.Replace(string(good), `"valid": true`, `"valid": false`, 1)}, // a workload invalid with no reason
		{"empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := t.TempDir()
			if err := os.WriteFile(filepath.Join(d, result.FileName), []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			if code := run([]string{"report", d}); code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if _, err := os.Stat(filepath.Join(d, report.MarkdownFile)); err == nil {
				t.Error("report.md written from a bad file")
			}
		})
	}
	t.Run("no result there", func(t *testing.T) {
		if code := run([]string{"report", t.TempDir()}); code != exitUsage {
			t.Errorf("exit %d, want %d", code, exitUsage)
		}
	})
}
