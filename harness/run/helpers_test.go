package run_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/run"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/impl/api"
)

// parse reads a scenario written in the test.
func parse(t *testing.T, yaml string) *scenario.Scenario {
	t.Helper()
	s, err := scenario.Parse(t.Name()+".yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	return s
}

// readResult reads back dir/result.json, which must exist and be readable.
func readResult(t *testing.T, dir string) *result.Result {
	t.Helper()
	r, err := result.Read(filepath.Join(dir, result.FileName))
	if err != nil {
		t.Fatalf("reading the written result: %v", err)
	}
	return r
}

func workload(t *testing.T, r *result.Result, name string) result.Workload {
	t.Helper()
	for _, w := range r.Workloads {
		if w.Name == name {
			return w
		}
	}
	t.Fatalf("no workload %q in %+v", name, r.Workloads)
	return result.Workload{}
}

// statuses collects what Options.Progress gets.
type statuses struct {
	mu  sync.Mutex
	all []run.Status
}

func (s *statuses) add(st run.Status) { s.mu.Lock(); s.all = append(s.all, st); s.mu.Unlock() }

func (s *statuses) list() []run.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]run.Status(nil), s.all...)
}

// clusterPids are the pids the cluster's programs wrote in their ready
// files under a run's folder.
func clusterPids(t *testing.T, dir string) []int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, run.ClusterDir, "*.ready"))
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r api.Ready
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		pids = append(pids, r.PID)
	}
	return pids
}

// assertGone checks that neither the processes nor their process groups
// (each program leads its own) exist any more.
func assertGone(t *testing.T, pids []int) {
	t.Helper()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("pid %d: kill 0 = %v, want ESRCH", pid, err)
		}
		if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process group %d: kill 0 = %v, want ESRCH", pid, err)
		}
	}
}

func containsAny(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
