package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// abScenario is short: each side runs it six times, so that one-sided
// Mann-Whitney over 6 against 6 can reach --alpha 0.01 after Holm over
// the workload's four rows (1/924 * 4 = 0.0043).
const abScenario = `name: ab
description: The A/B gate's own test, commands to 2 workers.
workers: 2
seed: 1
warmup: 300ms
duration: 1500ms
workloads:
  - {name: commands, pattern: reqrep, mode: impl, rate: 300/s, size: 256B}
`

// TestGateAgainst builds a repository of this module's programs with three
// commits — a base, a change to a comment, and a change that adds 1.5 ms
// to every command a worker serves — and runs gate --against the base on
// each change: the comment passes (exit 0), the handler cost fails (exit
// 1). Then a ref that names no commit falls back on --baseline, saying so.
func TestGateAgainst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the programs three times and runs 24 short scenarios")
	}
	repo := t.TempDir()
	copyModule(t, moduleRoot(t), repo)
	must(t, os.WriteFile(filepath.Join(repo, "ab.yaml"), []byte(abScenario), 0o644))
	git(t, repo, "init", "--quiet", "--initial-branch=main")
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "--quiet", "-m", "base")
	base := strings.TrimSpace(git(t, repo, "rev-parse", "HEAD"))

	edit(t, filepath.Join(repo, "impl/worker/config.go"), "// maxHandlerDelayUS caps", "// maxHandlerDelayUS (a comment changed) caps")
	git(t, repo, "commit", "--quiet", "-am", "a comment")
	comment := strings.TrimSpace(git(t, repo, "rev-parse", "HEAD"))

	git(t, repo, "checkout", "--quiet", "-b", "slow", base)
	edit(t, filepath.Join(repo, "impl/worker/sockets.go"),
		"delayed(time.Duration(w.cfg.HandlerDelayUS) * time.Microsecond)",
		"delayed(time.Duration(w.cfg.HandlerDelayUS)*time.Microsecond + 1500*time.Microsecond)")
	git(t, repo, "commit", "--quiet", "-am", "handler cost")
	slow := strings.TrimSpace(git(t, repo, "rev-parse", "HEAD"))

	cache := t.TempDir()
	first := filepath.Join(t.TempDir(), "ab") // the first case's runs; the fallback's baseline
	for _, tc := range []struct {
		name, commit, against string
		baseline              bool
		exit                  int
		want                  []string
	}{
		{"comment passes", comment, base, false, 0, []string{"baseline side: " + base[:12], "interleaved a b a b: 6 runs a side"}},
		{"handler cost fails", slow, base, false, 1, []string{"regression", "commands"}},
		{"no such ref falls back", comment, "no-such-ref", true, 0, []string{"the committed baseline", "no-such-ref could not be used",
			"worse than the baseline's by more than 300%"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			git(t, repo, "checkout", "--quiet", tc.commit)
			bin := filepath.Join(t.TempDir(), "bin")
			buildAt(t, repo, bin)
			out := filepath.Join(t.TempDir(), "ab")
			if tc.commit == comment && !tc.baseline {
				out = first
			}
			args := []string{"gate", "--against", tc.against, "--scenarios", "ab.yaml", "--repeat", "6", "--alpha", "0.01",
				"--out", out, "--cache", cache}
			if tc.baseline {
				// The fallback: the comment's own runs from the first case
				// stand in for a committed baseline. Measured minutes apart,
				// not interleaved, they drift (p99 +64% seen here), which is
				// why a fallback gets its own, wide margin, as in make gate.
				args = append(args, "--baseline", filepath.Join(first, "candidate"), "--fallback-max-regression", "300%")
			}
			cmd := exec.Command(filepath.Join(bin, "nngbench"), args...)
			cmd.Dir = repo
			var log bytes.Buffer
			cmd.Stdout, cmd.Stderr = &log, &log
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.exit {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.exit, log.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(strings.ToLower(log.String()), strings.ToLower(w)) {
					t.Errorf("output lacks %q:\n%s", w, log.String())
				}
			}
		})
	}
}

// moduleRoot is the folder of go.mod, above this package's.
func moduleRoot(t *testing.T) string {
	t.Helper()
	b, err := exec.Command("go", "env", "GOMOD").Output()
	must(t, err)
	return filepath.Dir(strings.TrimSpace(string(b)))
}

// copyModule copies what building ./cmd/... needs: go.mod, go.sum and the
// non-test Go files of cmd, impl, harness and internal.
func copyModule(t *testing.T, from, to string) {
	t.Helper()
	for _, f := range []string{"go.mod", "go.sum"} {
		copyFile(t, filepath.Join(from, f), filepath.Join(to, f))
	}
	for _, dir := range []string{"cmd", "impl", "harness", "internal"} {
		err := filepath.WalkDir(filepath.Join(from, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			rel, err := filepath.Rel(from, path)
			if err != nil {
				return err
			}
			copyFile(t, path, filepath.Join(to, rel))
			return nil
		})
		must(t, err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	must(t, err)
	must(t, os.MkdirAll(filepath.Dir(to), 0o755))
	must(t, os.WriteFile(to, b, 0o644))
}

// edit replaces old with new in path, which must hold old.
func edit(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not hold %q", path, old)
	}
	must(t, os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644))
}

func git(t *testing.T, repo string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid"}, args...)...)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return string(b)
}

func buildAt(t *testing.T, repo, bin string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", bin+string(filepath.Separator), "./cmd/...")
	cmd.Dir = repo
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
