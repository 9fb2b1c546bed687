package report_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

// A v1 result.json (a real fault run's, committed in harness/result) is
// still reported: the same report as of the record it upgrades to.
func TestFromFileV1(t *testing.T) {
	t.Parallel()
	in := filepath.Join("..", "result", "testdata", "v1", result.FileName)
	r, err := result.Read(in)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := report.FromFile(in, out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out, report.MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	if want := report.Markdown(r); string(got) != string(want) {
		t.Errorf("report of the v1 file differs from the report of its upgrade:\n%s", got)
	}
	if !strings.Contains(string(got), r.Scenario) || len(r.Workloads) == 0 || !strings.Contains(string(got), r.Workloads[0].Name) {
		t.Errorf("report names neither scenario %s nor workload:\n%.400s", r.Scenario, got)
	}
}
