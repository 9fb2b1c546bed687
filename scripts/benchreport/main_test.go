package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var update = flag.Bool("update", false, "rewrite testdata/RESULTS.golden.md")

// fixed stands for the machine and the clock, which the golden file cannot.
var fixed = header{machine: "AMD EPYC, 2 cores, go1.26.8 linux/amd64, commit 9b7f8fc",
	generated: time.Date(2026, 11, 21, 6, 41, 0, 0, time.UTC)}

// TestGolden runs benchreport on every input as make bench does, from the
// repository's root: the tree at reports/latest, RESULTS.md beside reports/.
func TestGolden(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	suite := filepath.Join(root, "reports", "latest")
	if err := os.CopyFS(suite, os.DirFS("testdata/suite")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "RESULTS.md")
	scale := filepath.Join(root, "reports", "scale")
	if err := os.CopyFS(scale, os.DirFS("testdata/scale")); err != nil {
		t.Fatal(err)
	}
	o := options{in: "testdata/layer-bench.txt", suite: suite, fidelity: "testdata/fidelity.json", scale: scale, out: out}
	if err := run(o, fixed); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// The header names the inputs as given; the temporary folder is not
	// golden. Links must be relative already.
	got = bytes.ReplaceAll(got, []byte(suite), []byte("reports/latest"))
	got = bytes.ReplaceAll(got, []byte(scale), []byte("reports/scale"))
	const golden = "testdata/RESULTS.golden.md"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("RESULTS.md differs from %s (run with -update if intended):\n%s", golden, got)
	}
}

// The suite and the fidelity figures are optional; RESULTS.md says why a
// section is missing.
func TestOptional(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	for _, tc := range []struct {
		name, suite, fidelity string
		want                  []string
	}{
		{"not-given", "", "", []string{
			"## Scenario suite\n\nNot in this file: no results tree was given (-suite).",
			"## Harness fidelity\n\nNot in this file: no fidelity results were given (-fidelity).",
			"## Scaling to 1,024 workers\n\nNot in this file: no scaling tree was given (-scale).",
			"## Instance creation through the control plane\n\nNot in this file: no results tree was given (-suite).",
		}},
		{"missing", filepath.Join(empty, "latest"), filepath.Join(empty, "fidelity.json"), []string{
			"does not exist; the suite did not run",
			"does not exist; the fidelity benchmark did not run",
		}},
		{"empty-tree", empty, "testdata/fidelity-partial.json", []string{
			"holds no result.json; the suite did not run",
			// Ratios worked out from the figures; what was not measured is a dash.
			"| Throughput, closed loop, PAIR as local_thr/remote_thr | 190k msgs/s | 200k msgs/s | 0.95x | ≥ 0.90x | yes |",
			"| Round trip, one request in flight (local_reqlat/remote_reqlat) | – | – | – | ≤ 1.10x | – |",
			"Toxiproxy's own cost was not measured.",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "RESULTS.md")
			o := options{in: "testdata/layer-bench.txt", suite: tc.suite, fidelity: tc.fidelity, out: out}
			if err := run(o, fixed); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range append(tc.want, "## Messaging layer beside bare mangos") {
				if !strings.Contains(string(got), w) {
					t.Errorf("RESULTS.md lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// Without BenchmarkOpenLoop in the input, its section says so, and the
// rest is written as before.
func TestOpenLoopAbsent(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/layer-bench.txt")
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, "BenchmarkOpenLoop") {
			kept = append(kept, l)
		}
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "layer-bench.txt"), filepath.Join(dir, "RESULTS.md")
	if err := os.WriteFile(in, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(options{in: in, out: out}, fixed); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"## Messaging layer beside bare mangos",
		"## Open-loop generator beside the closed loop\n\nNot in this file: the input has no BenchmarkOpenLoop"} {
		if !strings.Contains(string(got), w) {
			t.Errorf("RESULTS.md lacks %q:\n%s", w, got)
		}
	}
}

// An input that is there but unusable fails the run, and RESULTS.md is left
// alone.
func TestErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	noPairs := write("other-bench.txt", "BenchmarkOther-2 \t 100 \t 5 ns/op\n")
	badFidelity := write("fidelity.json", `{"throughput_ratio": "high"}`)
	badTree := filepath.Join(dir, "tree")
	write("tree/x/result.json", `{"schema": "nngbench/result/v1",`)
	for _, tc := range []struct {
		name string
		o    options
		want string
	}{
		{"no-in", options{}, "-in is required"},
		{"in-missing", options{in: filepath.Join(dir, "nope.txt")}, "nope.txt"},
		{"in-without-pairs", options{in: noPairs}, "none of the expected benchmark pairs"},
		{"bad-fidelity", options{in: "testdata/layer-bench.txt", fidelity: badFidelity}, "fidelity.json"},
		{"bad-tree", options{in: "testdata/layer-bench.txt", suite: badTree}, "invalid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.o.out = filepath.Join(t.TempDir(), "RESULTS.md")
			err := run(tc.o, fixed)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run = %v, want an error with %q", err, tc.want)
			}
			if _, statErr := os.Stat(tc.o.out); !os.IsNotExist(statErr) {
				t.Errorf("RESULTS.md written despite the error (stat: %v)", statErr)
			}
		})
	}
}
