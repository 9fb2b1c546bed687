package ab

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/nngbench/nngbench/harness/result"
)

func gitIn(t *testing.T, repo string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid"}, args...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, b)
	}
}

// TestUnusableBase: a ref that names nothing here, and a commit that does
// not build, are ErrUnusable (the caller's cue to fall back), each saying
// why; bad options are plain errors.
func TestUnusableBase(t *testing.T) {
	repo := t.TempDir()
	gitIn(t, repo, "init", "--quiet")
	if err := os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module x\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(repo, "cmd", "nngbench"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "cmd", "nngbench", "main.go"), []byte("package main\n\nfunc main() { undefined() }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, repo, "add", "-A")
	gitIn(t, repo, "commit", "--quiet", "-m", "broken")
	base := Options{Repo: repo, Scenarios: []string{"x.yaml"}, Out: t.TempDir(), CandidateBin: t.TempDir(), Cache: t.TempDir()}
	for _, tc := range []struct {
		name, ref string
		unusable  bool
	}{
		{"no such ref", "HEAD~5", true},
		{"does not build", "HEAD", true},
		{"no ref", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := base
			o.Ref = tc.ref
			_, err := Run(t.Context(), o)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, ErrUnusable); got != tc.unusable {
				t.Fatalf("%v: unusable %v, want %v", err, got, tc.unusable)
			}
		})
	}
	// Nothing half-built is left in the cache, and no worktree in the repo.
	if m, _ := filepath.Glob(filepath.Join(base.Cache, "*", "bin")); len(m) != 0 {
		t.Errorf("cache holds %v after a failed build", m)
	}
	out, err := exec.Command("git", "-C", repo, "worktree", "list", "--porcelain").Output()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(out, []byte("worktree ")) != 1 {
		t.Errorf("worktrees left:\n%s", out)
	}
}

// TestCompleted tells a run that exited 1 for its scenario gates (every
// result written, a gate failed) from one that failed.
func TestCompleted(t *testing.T) {
	write := func(dir, scenario string, ok bool) {
		t.Helper()
		r := &result.Result{Scenario: scenario, Workloads: []result.Workload{}, Faults: []result.Fault{},
			Gates: []result.Gate{{Expr: "a.p99 < 1ms", OK: ok}}, Valid: true, Checks: []result.Check{}, Recovery: []result.Recovery{}}
		if err := result.Write(filepath.Join(dir, scenario), r, nil); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	write(dir, "a", true)
	if Completed(dir, 2) {
		t.Error("one result of two: completed")
	}
	write(dir, "b", true)
	if Completed(dir, 2) {
		t.Error("every gate passed: the exit was a failure, not the gates")
	}
	write(dir, "b", false)
	if !Completed(dir, 2) {
		t.Error("both results, a gate failed: not completed")
	}
	if Completed(filepath.Join(dir, "none"), 1) {
		t.Error("no folder: completed")
	}
}
