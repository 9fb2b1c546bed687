package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// build compiles nngbench into a temporary folder: these tests check what a
// user or CI script sees, exit status included.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nngbench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func nngbench(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = "../.." // the repository root, where scenarios/ is
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

func TestCommands(t *testing.T) {
	bin := build(t)
	shipped, err := filepath.Glob("../../scenarios/*.yaml")
	faults, ferr := filepath.Glob("../../scenarios/faults/*.yaml")
	if err != nil || ferr != nil || len(shipped) == 0 || len(faults) < 11 {
		t.Fatalf("scenario files: %d in scenarios/ (%v), %d in scenarios/faults/ (%v), want one for each of the 11 fault kinds",
			len(shipped), err, len(faults), ferr)
	}
	ci, cerr := filepath.Glob("../../scenarios/ci/*.yaml")
	if cerr != nil || len(ci) == 0 {
		t.Fatalf("no CI scenarios: %v", cerr)
	}
	shipped = append(append(shipped, faults...), ci...)
	for i := range shipped {
		shipped[i] = strings.TrimPrefix(shipped[i], "../../")
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: bad\nworkers: 0\nduration: 10 s\nworkloads:\n  - {pattern: reqrep, rate: 10/s, colour: red}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badGate := filepath.Join(t.TempDir(), "gate.yaml")
	if err := os.WriteFile(badGate, []byte("name: g\nduration: 1s\nworkloads:\n  - {pattern: reqrep, rate: 1/s}\ngates:\n  - \"reqrep.p99 < 50\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badEndpoint := filepath.Join(t.TempDir(), "endpoint.yaml")
	if err := os.WriteFile(badEndpoint, []byte("name: e\nduration: 1s\nworkloads:\n  - {pattern: reqrep, rate: 1/s, endpoint: /no/such/endpoint}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"an endpoint no driver calls", []string{"validate", badEndpoint}, 2,
			[]string{badEndpoint + `:4: workloads[0].endpoint: impl reqrep calls only /health, /config, /instances/list, /instances/create, /instances/delete, not "/no/such/endpoint"`}},
		{"a bad gate is a scenario error", []string{"validate", badGate}, 2, []string{badGate + ":6: gates[0]: col 14: reqrep.p99 is a latency"}},
		{"every shipped scenario validates", append([]string{"validate"}, shipped...), 0, []string{"ok scenarios/reqrep-latency.yaml"}},
		{"a bad file names file, line and field for each problem", []string{"validate", bad}, 2, []string{
			bad + ":2: workers: must be between 1 and 1024",
			bad + ":3: duration: bad duration",
			bad + ":5: workloads[0].colour: unknown field",
		}},
		{"list", []string{"list"}, 0, []string{"reqrep-latency", "scenarios/pushpull-tasks.yaml"}},
		{"list of an empty folder", []string{"list", t.TempDir()}, 2, []string{"no scenario files"}},
		{"validate needs a file", []string{"validate"}, 2, []string{"requires at least 1 arg"}},
		{"unknown command", []string{"frobnicate"}, 2, []string{"unknown command"}},
		{"missing file", []string{"validate", "nope.yaml"}, 2, []string{"nope.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, code := nngbench(t, bin, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
