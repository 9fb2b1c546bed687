package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/result"
)

// A fault scenario's history, analyzed again, gives its result.json byte for
// byte; a new gate re-checks it without running anything; a corrupt
// history is refused, naming the file.
func TestAnalyze(t *testing.T) {
	bin := build(t)
	dir := t.TempDir()
	sc := writeFile(t, dir, "partition.yaml", `name: analyze-partition
workers: 3
warmup: 500ms
duration: 3s
cluster: {heartbeat_interval: 100ms, heartbeat_timeout: 300ms, instances: 6}
workloads:
  - {name: commands, pattern: reqrep, mode: impl, rate: 200/s, size: 256B}
  - {name: config, pattern: pubsub, mode: impl, rate: 20/s, size: 64B}
  - {name: raw, pattern: pushpull, mode: raw, rate: 500/s, size: 64B}
faults:
  - {at: 1s, for: 1s, kind: partition, target: worker-2}
`)
	out := filepath.Join(dir, "out")
	if got, code := nngbench(t, bin, "run", "-q", "--out", out, sc); code != 0 {
		t.Fatalf("run exit %d:\n%s", code, got)
	}
	run := filepath.Join(out, "analyze-partition")
	ran := readBytes(t, filepath.Join(run, result.FileName))
	h, err := history.ReadFile(run)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Meta.Workloads) != 3 || len(h.Meta.Result.Faults) != 1 || len(h.Meta.Events) == 0 {
		t.Fatalf("history: %d workloads, %d faults, %d events", len(h.Meta.Workloads), len(h.Meta.Result.Faults), len(h.Meta.Events))
	}
	if got, code := nngbench(t, bin, "analyze", "--check", run); code != 0 {
		t.Fatalf("analyze --check exit %d:\n%s", code, got)
	}
	if got, code := nngbench(t, bin, "analyze", run); code != 0 {
		t.Fatalf("analyze exit %d:\n%s", code, got)
	}
	if again := readBytes(t, filepath.Join(run, result.FileName)); !bytes.Equal(again, ran) {
		t.Fatalf("analyze rewrote result.json differently:\nrun:\n%s\nanalyze:\n%s", ran, again)
	}

	// A gate the run did not have fails the re-check, and lands in the file.
	if got, code := nngbench(t, bin, "analyze", "--gate", "commands.p99 < 1us", run); code != 1 || !strings.Contains(got, "1 gate failed") {
		t.Fatalf("analyze with a failing gate: exit %d, want 1:\n%s", code, got)
	}
	r, err := result.Read(filepath.Join(run, result.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Gates); n == 0 || r.Gates[n-1].Expr != "commands.p99 < 1us" || r.Gates[n-1].OK {
		t.Errorf("gates %+v: want the new one, failed", r.Gates)
	}
	if got, code := nngbench(t, bin, "analyze", "--check", run); code != 1 || !strings.Contains(got, "differs") {
		t.Errorf("--check of a result with an extra gate: exit %d, want 1:\n%s", code, got)
	}

	// A torn history is refused, naming it.
	path := filepath.Join(run, history.FileName)
	b := readBytes(t, path)
	if err := os.WriteFile(path, b[:len(b)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if got, code := nngbench(t, bin, "analyze", run); code != 2 || !strings.Contains(got, path) {
		t.Errorf("torn history: exit %d, want 2 naming %s:\n%s", code, path, got)
	}
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
