package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

// The files Write and WriteComparison write are checked in
// TestCompareCharts, which draws them; these check the Markdown alone.
func TestImplRawGolden(t *testing.T) {
	t.Parallel()
	got := report.Markdown(pairedFixture())
	checkGolden(t, "implraw.golden.md", got)
	if !bytes.Contains(got, []byte("](compare.png)")) {
		t.Error("report.md does not link compare.png")
	}
}

// Without an impl/raw pair there is no section (and TestCharts checks that
// there is no compare.png).
func TestImplRawAbsent(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]*result.Result{
		"other-modes": fixture(),
		"impl-only": func() *result.Result {
			r := pairedFixture()
			r.Workloads = r.Workloads[:3]
			return r
		}(),
		"different-patterns": func() *result.Result {
			r := pairedFixture()
			r.Workloads = []result.Workload{r.Workloads[1], r.Workloads[3]}
			return r
		}(),
	} {
		if md := report.Markdown(r); bytes.Contains(md, []byte("impl vs raw")) || bytes.Contains(md, []byte("compare.png")) {
			t.Errorf("%s: report.md has an impl vs raw section:\n%s", name, md)
		}
	}
}

// candidate is the fixture a little slower, with one workload renamed so
// that each side has one the other lacks.
func candidate() *result.Result {
	r := fixture()
	r.StartedAt = r.StartedAt.Add(3600e9)
	r.Machine.Commit = "4567cdef"
	r.Workloads[0].Latency.P50 *= 1.25
	r.Workloads[0].Latency.P99 *= 1.05
	r.Workloads[0].Latency.P999 *= 1.5
	r.Workloads[0].RecvRate *= 0.9
	r.Workloads[1].Name = "pubsub.fanout-4"
	r.Workloads = append(r.Workloads, fixture().Workloads[0])
	r.Workloads[2].Name = "reqrep.2"
	return r
}

func TestComparisonGolden(t *testing.T) {
	t.Parallel()
	checkGolden(t, "compare.golden.md", report.ComparisonMarkdown(fixture(), candidate()))
}

// Two runs with no workload in common still compare: the Markdown says so
// and no chart is drawn.
func TestComparisonDisjoint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := report.WriteComparison(dir, fixture(), pairedFixture()); err != nil {
		t.Fatal(err)
	}
	md := readFile(t, filepath.Join(dir, report.ComparisonMarkdownFile))
	for _, want := range []string{"No workload in common.", "Only in the baseline: reqrep, pubsub.fanout-3.",
		"Only in the candidate: tasks, heartbeat, broadcast, tasks-raw, broadcast-raw."} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("compare.md lacks %q:\n%s", want, md)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, report.CompareFile)); !os.IsNotExist(err) {
		t.Errorf("compare.png drawn with nothing to compare (stat: %v)", err)
	}
}

func TestComparisonNil(t *testing.T) {
	t.Parallel()
	for _, pair := range [][2]*result.Result{{nil, fixture()}, {fixture(), nil}} {
		if err := report.WriteComparison(t.TempDir(), pair[0], pair[1]); err != report.ErrNilResult {
			t.Errorf("WriteComparison with a nil result = %v, want ErrNilResult", err)
		}
	}
}
