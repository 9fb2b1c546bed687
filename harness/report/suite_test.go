package report_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

// suiteTree writes a results tree as the runner leaves it under
// reports/latest: two scenarios where impl and raw are separate runs of the
// same pattern and rate, one with both in the run, one with neither, and a
// sweep at 1, 2, 4 and 16 workers.
func suiteTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	write := func(dir string, r *result.Result) {
		t.Helper()
		if err := result.Write(filepath.Join(root, dir), r, nil); err != nil {
			t.Fatal(err)
		}
	}
	paired := pairedFixture()
	implOnly, rawOnly := pairedFixture(), pairedFixture()
	implOnly.Scenario, implOnly.Workloads = "tasks-impl", paired.Workloads[:1]
	rawOnly.Scenario, rawOnly.Workloads = "tasks-raw", paired.Workloads[3:4]
	rawOnly.Machine.Commit = "89abcdef"
	write("reqrep-stall", fixture())
	write("paired", paired)
	write("tasks-raw", rawOnly)
	write("tasks-impl", implOnly)
	points := sweepFixture()
	big := sweepFixture()[1]
	big.Workers = 16
	for _, p := range append(points, big) {
		write(filepath.Join("scaling", report.SweepPointDir(p.Workers)), p)
	}
	return root
}

func TestSuiteGolden(t *testing.T) {
	t.Parallel()
	root := suiteTree(t)
	got, err := report.Suite(root, "reports/latest")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "suite.golden.md", got)
	// The order ReadDir gives does not matter.
	entries, err := result.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(entries)-1; i < j; i, j = i+1, j-1 {
		entries[i], entries[j] = entries[j], entries[i]
	}
	again, err := report.SuiteMarkdown(root, "reports/latest", entries)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(got) {
		t.Error("the suite's Markdown depends on the order of the entries")
	}
}

func TestSuiteErrors(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	if _, err := report.Suite(empty, "x"); !errors.Is(err, result.ErrNoResults) {
		t.Errorf("Suite of an empty tree = %v, want ErrNoResults", err)
	}
	broken := suiteTree(t)
	bad := filepath.Join(broken, "paired", result.FileName)
	if err := os.WriteFile(bad, []byte(`{"schema": "nngbench/result/v0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := report.Suite(broken, "x"); !errors.Is(err, result.ErrSchema) {
		t.Errorf("Suite with a foreign result.json = %v, want ErrSchema", err)
	}
	outside := []result.Entry{{Path: filepath.Join(empty, "..", "elsewhere", result.FileName), Result: fixture()}}
	if _, err := report.SuiteMarkdown(empty, "x", outside); err == nil {
		t.Error("SuiteMarkdown took a result from outside its root")
	}
}

// The runs of a rate sweep (rate-R, step-NN, and their run-NN) belong to
// its sweep.md: the suite's tables leave them out, byte for byte.
func TestSuiteLeavesOutRateSweepPoints(t *testing.T) {
	t.Parallel()
	root := suiteTree(t)
	want, err := report.Suite(root, "reports/latest")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"knee/step-01", "knee/step-02/run-01", "fixed/rate-1000", "fixed/rate-2500.5/run-02"} {
		r := fixture()
		r.Scenario = "knee-point"
		if err := result.Write(filepath.Join(root, dir), r, nil); err != nil {
			t.Fatal(err)
		}
	}
	got, err := report.Suite(root, "reports/latest")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("the rate sweeps' points changed the suite:\n%s", got)
	}
}
