package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/internal/testbin"
	"github.com/nngbench/nngbench/internal/wait"
)

// writeFile writes a scenario (or anything) into dir and returns its path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodRaw = `name: tiny
workers: 1
duration: 300ms
workloads:
  - {pattern: pushpull, mode: raw, rate: 200/s, size: 64B}
`

// Anything wrong with the files or flags exits 2 before any scenario runs,
// good ones included: nothing is written.
func TestRunRejectsBeforeStarting(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", goodRaw)
	twin := writeFile(t, dir, "twin.yaml", goodRaw)
	unknown := writeFile(t, dir, "unknown.yaml", goodRaw+"colour: blue\n")
	badDuration := writeFile(t, dir, "duration.yaml", strings.Replace(goodRaw, "300ms", "3 seconds", 1))
	noWorkers := writeFile(t, dir, "workers.yaml", strings.Replace(goodRaw, "workers: 1", "workers: 0", 1))
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"unknown key", []string{unknown}},
		{"bad duration", []string{badDuration}},
		{"no workers", []string{noWorkers}},
		{"a good file and a bad one", []string{good, noWorkers}},
		{"two scenarios of one name", []string{good, twin}},
		{"missing file", []string{filepath.Join(dir, "none.yaml")}},
		{"repeat 0", []string{good, "--repeat", "0"}},
		{"no file", nil},
		{"unknown flag", []string{good, "--colour"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			if code := run(append([]string{"run", "--quiet", "--out", out}, tc.args...)); code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s exists: something ran", out)
			}
		})
	}
}

// --repeat K writes each run into OUT/<scenario>/run-NN.
func TestRunRepeat(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	file := writeFile(t, t.TempDir(), "tiny.yaml", goodRaw)
	if code := run([]string{"run", file, "--out", out, "--repeat", "2", "--quiet"}); code != exitOK {
		t.Fatalf("exit %d, want %d", code, exitOK)
	}
	entries, err := result.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		rel, _ := filepath.Rel(out, e.Path)
		got = append(got, rel)
		if !e.Result.Valid || e.Result.Workloads[0].Sent == 0 {
			t.Errorf("%s: valid %v %v, sent %d", rel, e.Result.Valid, e.Result.Invalid, e.Result.Workloads[0].Sent)
		}
	}
	want := []string{"tiny/run-01/result.json", "tiny/run-02/result.json"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("results %v, want %v", got, want)
	}
}

// nngbench run as a real process: a bad file exits 2 and says where; and
// SIGTERM mid-run, mid-fault, leaves no process behind, heals the faults
// and writes the result, invalid, before exiting 1.
func TestRunProcess(t *testing.T) {
	bin, err := testbin.Build("nngbench", "worker")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(bin) })
	nngbench := filepath.Join(bin, "nngbench")
	dir := t.TempDir()
	t.Run("bad scenario", func(t *testing.T) {
		bad := writeFile(t, dir, "bad.yaml", strings.Replace(goodRaw, "workers: 1", "workers: 0", 1))
		out := filepath.Join(dir, "bad-out")
		cmd := exec.Command(nngbench, "run", bad, "--out", out)
		stderr, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != exitUsage {
			t.Fatalf("%v, want exit %d", err, exitUsage)
		}
		if want := bad + ":2: workers:"; !strings.Contains(string(stderr), want) {
			t.Errorf("stderr %q, want %q", stderr, want)
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists: something started", out)
		}
	})
	t.Run("SIGTERM mid-run", func(t *testing.T) { testSIGTERM(t, nngbench, dir) })
	t.Run("SIGKILL mid-run", func(t *testing.T) { testSIGKILL(t, nngbench, dir) })
}

// testSIGKILL: a harness killed outright cannot clean up, so the kernel
// must: its workers (paused or not) and raw peers die with it.
func testSIGKILL(t *testing.T, nngbench, dir string) {
	file := writeFile(t, dir, "killed.yaml", `name: killed
workers: 2
duration: 60s
workloads:
  - {name: push, pattern: pushpull, mode: raw, rate: 500/s, size: 64B}
  - {name: cmds, pattern: reqrep, mode: impl, rate: 100/s}
faults:
  - {at: 300ms, for: 50s, kind: pause, target: worker-1}
`)
	out := filepath.Join(dir, "killed-out")
	cmd := exec.Command(nngbench, "run", file, "--out", out)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		s := bufio.NewScanner(stderr)
		for s.Scan() {
			lines <- s.Text()
		}
	}()
	var pids map[string]int
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		for _, pid := range pids {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		for range lines {
		}
	})
	awaitLine(t, lines, 60*time.Second, func(l string) bool {
		return strings.Contains(l, " measuring ") && strings.HasSuffix(l, "faults: pause-1")
	})
	pids = readyPids(t, filepath.Join(out, "killed", "cluster"))
	peers := childPids(t, cmd.Process.Pid) // the raw peer processes, nngbench peer
	if len(pids) != 2 || len(peers) == 0 {
		t.Fatalf("workers %v and peers %v, want 2 workers and a peer", pids, peers)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for range lines {
	}
	_ = cmd.Wait()
	// The kernel's signal to the orphans takes a moment to land, and their
	// new parent a moment to reap them (a zombie is dead already).
	all := append(slices.Collect(maps.Values(pids)), peers...)
	wait.Until(t, 10*time.Second, "workers and peers dead", func() bool {
		for _, pid := range all {
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) && procState(pid) != "Z" {
				return false
			}
		}
		return true
	})
}

// childPids lists the processes whose parent is pid that run nngbench peer.
func childPids(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		cmdline, err2 := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || err2 != nil {
			continue
		}
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		f := strings.Fields(s[i+1:]) // state, ppid, ...
		if len(f) > 1 && f[1] == strconv.Itoa(pid) && strings.Contains(string(cmdline), "peer") {
			out = append(out, child)
		}
	}
	return out
}

func testSIGTERM(t *testing.T, nngbench, dir string) {
	file := writeFile(t, dir, "long.yaml", `name: long
workers: 2
duration: 60s
cluster: {heartbeat_interval: 100ms, heartbeat_timeout: 500ms}
workloads:
  - {name: push, pattern: pushpull, mode: raw, rate: 500/s, size: 64B}
faults:
  - {at: 300ms, for: 50s, kind: pause, target: worker-1}
  - {at: 300ms, for: 50s, kind: latency, target: worker-2, link: commands, latency: 10ms}
`)
	out := filepath.Join(dir, "out")
	cmd := exec.Command(nngbench, "run", file, "--out", out)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	runDir := filepath.Join(out, "long")
	lines := make(chan string)
	go func() {
		defer close(lines)
		s := bufio.NewScanner(stderr)
		for s.Scan() {
			lines <- s.Text()
		}
	}()
	var pids map[string]int
	t.Cleanup(func() { // if the test failed half-way, leave nothing running
		_ = cmd.Process.Kill()
		for _, pid := range pids {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		for range lines { // until the killed process's stderr ends
		}
	})
	// Plain progress lines (stderr is no terminal) show a change of the
	// faults in force at once: wait until both are, mid-window.
	awaitLine(t, lines, 60*time.Second, func(l string) bool {
		return strings.Contains(l, " measuring ") && strings.HasSuffix(l, "faults: pause-1,latency-2")
	})
	pids = readyPids(t, filepath.Join(runDir, "cluster"))
	if len(pids) != 2 {
		t.Fatalf("worker pids %v in the ready files, want 2", pids)
	}
	wait.Until(t, 10*time.Second, "worker-1 paused", func() bool { return procState(pids["worker-1"]) == "T" })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for range lines { // drain until nngbench closes stderr
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err = <-waited:
	case <-time.After(60 * time.Second):
		t.Fatal("nngbench did not exit within 60s of SIGTERM")
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitFailure {
		t.Errorf("nngbench: %v, want exit %d", err, exitFailure)
	}
	assertGone(t, slices.Collect(maps.Values(pids)))
	r, err := result.Read(filepath.Join(runDir, result.FileName))
	if err != nil {
		t.Fatalf("no result after SIGTERM: %v", err)
	}
	if r.Valid || len(r.Invalid) == 0 || !strings.Contains(r.Invalid[0], "interrupted") || r.Workloads[0].Sent == 0 {
		t.Errorf("valid %v, invalid %q, sent %d: want invalid, interrupted, with what was measured",
			r.Valid, r.Invalid, r.Workloads[0].Sent)
	}
	t.Logf("after SIGTERM: %q; sent %d", r.Invalid, r.Workloads[0].Sent)
	for _, f := range r.Faults {
		if f.StartedAt.IsZero() || f.EndedAt.IsZero() || f.Error != "" {
			t.Errorf("fault %s: %v..%v, error %q: want applied and healed", f.Name, f.StartedAt, f.EndedAt, f.Error)
		}
	}
}

// awaitLine reads lines until one satisfies ok, failing after d or at the end.
func awaitLine(t *testing.T, lines <-chan string, d time.Duration, ok func(string) bool) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	var seen []string
	for {
		select {
		case l, open := <-lines:
			if !open {
				t.Fatalf("nngbench ended its output first:\n%s", strings.Join(seen, "\n"))
			}
			seen = append(seen, l)
			if ok(l) {
				return
			}
		case <-timer.C:
			t.Fatalf("no such line within %v:\n%s", d, strings.Join(seen, "\n"))
		}
	}
}

// procState is the state letter of pid in /proc (T: stopped), or "".
func procState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// pid (comm) state ...: comm may hold spaces, so look after its ")".
	_, rest, ok := strings.Cut(string(b), ") ")
	if !ok || rest == "" {
		return ""
	}
	return rest[:1]
}

// readyPids are the pids of the programs' ready files in dir, by node id.
func readyPids(t *testing.T, dir string) map[string]int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.ready"))
	if err != nil {
		t.Fatal(err)
	}
	pids := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r api.Ready
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		pids[r.NodeID] = r.PID
	}
	return pids
}

// assertGone checks that neither the processes nor their process groups
// (each worker leads its own) exist any more.
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

// --repeat goes round the scenarios: a b a b, each run after the one before.
func TestRunRepeatInterleaves(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	dir := t.TempDir()
	a := writeFile(t, dir, "a.yaml", strings.Replace(goodRaw, "name: tiny", "name: a", 1))
	b := writeFile(t, dir, "b.yaml", strings.Replace(goodRaw, "name: tiny", "name: b", 1))
	if code := run([]string{"run", a, b, "--out", out, "--repeat", "2", "--quiet"}); code != exitOK {
		t.Fatalf("exit %d, want %d", code, exitOK)
	}
	var last time.Time
	for _, run := range []string{"a/run-01", "b/run-01", "a/run-02", "b/run-02"} {
		r, err := result.Read(filepath.Join(out, run, "result.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !r.StartedAt.After(last) {
			t.Errorf("%s started at %v, not after the run before (%v)", run, r.StartedAt, last)
		}
		last = r.StartedAt
	}
}

// A failed gate exits 1 once every run is written, with each gate's value
// and verdict in result.json.
func TestRunGateFails(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	file := writeFile(t, t.TempDir(), "g.yaml", goodRaw+"gates:\n  - \"pushpull.p99 < 1us\"\n  - \"pushpull.lost == 0\"\n")
	if code := run([]string{"run", file, "--out", out, "--quiet"}); code != exitGate {
		t.Fatalf("exit %d, want %d", code, exitGate)
	}
	r, err := result.Read(filepath.Join(out, "tiny", "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Gates) != 2 || r.Gates[0].OK || !r.Gates[1].OK || r.Gates[0].Value <= 1 {
		t.Fatalf("gates %+v: want the p99 gate failed with its value, lost == 0 passed", r.Gates)
	}
}

// A sweep runs once per worker count into workers-N and draws its scaling.
func TestRunSweep(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	file := writeFile(t, t.TempDir(), "s.yaml", strings.Replace(goodRaw, "workers: 1", "sweep: {workers: [1, 2]}", 1))
	if code := run([]string{"run", file, "--out", out, "--quiet"}); code != exitOK {
		t.Fatalf("exit %d, want %d", code, exitOK)
	}
	for _, n := range []int{1, 2} {
		r, err := result.Read(filepath.Join(out, "tiny", fmt.Sprintf("workers-%d", n), "result.json"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Workers != n || !r.Valid {
			t.Errorf("workers-%d: %d workers, valid %v %v", n, r.Workers, r.Valid, r.Invalid)
		}
	}
	for _, f := range []string{"sweep.md", "scaling.png"} {
		if _, err := os.Stat(filepath.Join(out, "tiny", f)); err != nil {
			t.Error(err)
		}
	}
}

// A rate sweep with --repeat runs each rate K times into rate-R/run-NN and
// writes its table, chart and sweep.json; a bad objective exits 2 first.
func TestRunRateSweep(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	dir := t.TempDir()
	file := writeFile(t, dir, "s.yaml", goodRaw+"sweep: {rate: [100, 200], slo: \"p99 < 1s\"}\n")
	if code := run([]string{"run", file, "--out", out, "--quiet", "--repeat", "2"}); code != exitOK {
		t.Fatalf("exit %d, want %d", code, exitOK)
	}
	for _, rt := range []int{100, 200} {
		for _, rep := range []string{"run-01", "run-02"} {
			r, err := result.Read(filepath.Join(out, "tiny", fmt.Sprintf("rate-%d", rt), rep, "result.json"))
			if err != nil {
				t.Fatal(err)
			}
			if r.Workloads[0].PlannedRate != float64(rt) {
				t.Errorf("rate-%d/%s: planned %g", rt, rep, r.Workloads[0].PlannedRate)
			}
		}
	}
	for _, f := range []string{"sweep.md", "sweep.json", "latency-vs-rate.png"} {
		if _, err := os.Stat(filepath.Join(out, "tiny", f)); err != nil {
			t.Error(err)
		}
	}
	bad := writeFile(t, dir, "bad.yaml", goodRaw+"sweep:\n  rate: auto\n  slo: \"p99 < 5 parsecs\"\n")
	if code := run([]string{"run", bad, "--out", out, "--quiet"}); code != exitUsage {
		t.Errorf("a bad objective: exit %d, want %d", code, exitUsage)
	}
}
