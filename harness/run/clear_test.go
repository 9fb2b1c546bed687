package run_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/run"
)

// A run into a folder an earlier run wrote first clears what that run
// left, even when this one fails before it writes histograms of its own:
// no stale .hgrm (or .hlog, chart, history, repetition folder) beside the
// new result.json. Files that no run writes stay.
func TestRunClearsEarlierRun(t *testing.T) {
	t.Parallel()
	bin := t.TempDir() // a "worker" that exits at once: the run fails before any load
	if err := os.WriteFile(filepath.Join(bin, "worker"), []byte("#!/bin/sh\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	stale := []string{"old.hgrm", "old.uncorrected.hgrm", "old.hlog", "latency-raw.png", result.FileName,
		"history.nnh", report.MarkdownFile, "peers.log", ".result.json.tmp123", "cluster/worker-1.log", "run-02/x/result.json"}
	kept := []string{"notes.txt", "mine/result.json", "run-old/keep.hgrm"}
	for _, name := range append(append([]string(nil), stale...), kept...) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("from an earlier run"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := parse(t, "name: again\nduration: 1s\nworkloads: [{name: cmds, pattern: reqrep, rate: 10/s}]\n")
	_, err := run.Run(t.Context(), s, run.Options{Dir: dir, Bin: bin, Impl: (&fakeImpl{}).run})
	if !errors.Is(err, run.ErrCluster) {
		t.Fatalf("Run: %v, want ErrCluster", err)
	}
	if back := readResult(t, dir); back.Scenario != "again" || back.Valid {
		t.Errorf("result.json: scenario %q, valid %v: want this failed run's", back.Scenario, back.Valid)
	}
	for _, name := range stale {
		p := filepath.Join(dir, name)
		switch data, err := os.ReadFile(p); {
		case name == result.FileName || name == report.MarkdownFile || name == "history.nnh" || name == "cluster/worker-1.log",
			name == report.RawFile: // drawn again, empty, for a run that failed before its load
			if string(data) == "from an earlier run" {
				t.Errorf("%s is still the earlier run's", name)
			}
		case !errors.Is(err, os.ErrNotExist):
			t.Errorf("%s: left from the earlier run (%v)", name, err)
		}
	}
	for _, name := range kept {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s, which no run writes, is gone: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "run-02")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("run-02/ of an earlier repeated run is still there: %v", err)
	}
}
