package report_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const golden = "testdata/report.golden.md"

// TestMarkdownGolden renders the fixture through Write, twice, and compares
// report.md with the golden file byte for byte.
func TestMarkdownGolden(t *testing.T) {
	var runs [2][]byte
	for i := range runs {
		dir := t.TempDir()
		if err := report.Write(dir, fixture()); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, report.MarkdownFile))
		if err != nil {
			t.Fatal(err)
		}
		runs[i] = got
	}
	if !bytes.Equal(runs[0], runs[1]) {
		t.Fatalf("two renders differ:\n%s\n----\n%s", runs[0], runs[1])
	}
	if *update {
		if err := os.WriteFile(golden, runs[0], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(runs[0], want) {
		t.Errorf("report.md differs from %s (run with -update if intended):\n%s", golden, runs[0])
	}
}

// Map iteration order must not leak into the Markdown.
func TestMarkdownStable(t *testing.T) {
	t.Parallel()
	first := report.Markdown(fixture())
	for range 20 {
		if got := report.Markdown(fixture()); !bytes.Equal(got, first) {
			t.Fatal("Markdown changed between calls")
		}
	}
}

func TestWriteNil(t *testing.T) {
	t.Parallel()
	if err := report.Write(t.TempDir(), nil); err != report.ErrNilResult {
		t.Errorf("Write(nil) = %v, want ErrNilResult", err)
	}
}

// A run with nothing in it (no workloads, intervals, faults or checks)
// still renders: log axes with no data must not panic.
func TestWriteEmpty(t *testing.T) {
	t.Parallel()
	r := &result.Result{Schema: result.Schema, Scenario: "empty", Valid: true}
	if err := report.Write(t.TempDir(), r); err != nil {
		t.Fatal(err)
	}
}
