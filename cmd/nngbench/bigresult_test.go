package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

// bigIntervals is the size of the example: 600,000 intervals ran
// nngbench report out of memory (60,000 took 952 MB).
const bigIntervals = 600_000

// writeBig writes a valid result of n intervals (one workload) into dir.
func writeBig(t *testing.T, dir string, n int) {
	t.Helper()
	iv := make([]result.Interval, n)
	for i := range iv {
		iv[i] = result.Interval{TS: float64(i) / 10, Sent: 100, Received: 100,
			P50US: 1000 + float64(i%97), P99US: 2000 + float64(i%89), MaxUS: 5000 + float64(i%83)}
	}
	lat := result.Percentiles{P50: 1000, P90: 1500, P99: 2000, P999: 4000, P9999: 5000, Max: 5100, Mean: 1100, Count: int64(n) * 100}
	r := &result.Result{Scenario: "big", Workers: 1, Transport: "tcp", Seed: 1, StartedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		DurationS: float64(n) / 10, Valid: true,
		Workloads: []result.Workload{{Name: "w", Pattern: "reqrep", Mode: "raw", Model: result.ModelOpen, PlannedRate: 1000,
			Concurrency: 1, Sent: int64(n) * 100, Received: int64(n) * 100, SendRate: 1000, RecvRate: 1000, BytesPerS: 64000,
			Latency: lat, LatencyUncorrected: lat, Lag: result.Percentiles{Count: int64(n) * 100}, Intervals: iv, Valid: true}}}
	if err := result.Write(dir, r, nil); err != nil {
		t.Fatal(err)
	}
}

// buildNngbench builds this program without the race detector, whose
// shadow memory would be measured along with nngbench's own.
func buildNngbench(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nngbench")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// maxRSS runs bin with args and returns its peak resident memory, read
// from its own /proc/PID/status (VmHWM) while it runs. Not the rusage of
// wait4: on Linux that starts from the parent's high-water mark, as the
// child shares the parent's memory until it execs, and the parent here
// has just written the big file.
func maxRSS(t *testing.T, bin string, args ...string) (int64, string) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	var peak int64
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		// VmHWM only grows: any reading after the peak is the peak.
		if kb, ok := vmHWM(status); ok {
			peak = max(peak, kb<<10)
		}
		select {
		case err := <-done:
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Fatalf("%s: %v", strings.Join(args, " "), err)
			}
			if code := cmd.ProcessState.ExitCode(); code != 0 {
				t.Fatalf("nngbench %s exited %d:\n%s", strings.Join(args, " "), code, out.String())
			}
			if peak == 0 {
				t.Fatalf("no reading of %s while nngbench %s ran", status, args[0])
			}
			return peak, out.String()
		case <-tick.C:
		}
	}
}

// vmHWM reads the VmHWM line of a /proc/PID/status, in kB.
func vmHWM(path string) (int64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false // not started or already gone
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb, err == nil
		}
	}
	return 0, false
}

// Issue 12: report and gate read a result of 600,000 intervals in memory
// linear in the file. The bound, 4x the file plus 64 MiB for the program,
// holds the file, its records, the garbage collector's headroom and the
// charts; it fails for a reader that keeps a map or a path per value (952
// MB at a tenth of this size). gate reads five such runs a side in the
// memory of about one, as it keeps only the totals of each: keeping every
// run's time series took 745 MB here (the file 107 MB).
func TestBigResultMemory(t *testing.T) {
	bin := buildNngbench(t)
	root := t.TempDir()
	first := filepath.Join(root, "run-01", "big")
	writeBig(t, first, bigIntervals)
	file := filepath.Join(first, result.FileName)
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 5; i++ { // the same file again, linked: five runs for the gate
		dir := filepath.Join(root, fmt.Sprintf("run-%02d", i), "big")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Link(file, filepath.Join(dir, result.FileName)); err != nil {
			t.Fatal(err)
		}
	}
	bound := 4*st.Size() + 64<<20
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"report", []string{"report", first}},
		{"gate", []string{"gate", "--baseline", root, "--candidate", root}},
	} {
		start := time.Now()
		rss, out := maxRSS(t, bin, tc.args...)
		t.Logf("%s of %d intervals (%d MB file): %d MB resident at most, %v", tc.name, bigIntervals, st.Size()>>20, rss>>20, time.Since(start).Round(time.Millisecond))
		if rss > bound {
			t.Errorf("%s: %d MB resident, want at most %d MB (4x the %d MB file + 64 MB)\n%s", tc.name, rss>>20, bound>>20, st.Size()>>20, out)
		}
	}
	md, err := os.ReadFile(filepath.Join(first, report.MarkdownFile))
	if err != nil || !strings.Contains(string(md), "big") {
		t.Errorf("report.md: %v\n%.300s", err, md)
	}
}
