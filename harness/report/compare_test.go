package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

func TestImplRawGolden(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := report.Write(dir, pairedFixture()); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, filepath.Join(dir, report.MarkdownFile))
	checkGolden(t, "implraw.golden.md", got)
	if !bytes.Contains(got, []byte("](compare.png)")) {
		t.Error("report.md does not link compare.png")
	}
}

// Without an impl/raw pair there is no compare.png and no section.
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
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := report.Write(dir, r); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, report.CompareFile)); !os.IsNotExist(err) {
				t.Errorf("compare.png written for a run without pairs (stat: %v)", err)
			}
			if bytes.Contains(readFile(t, filepath.Join(dir, report.MarkdownFile)), []byte("impl vs raw")) {
				t.Error("report.md has an impl vs raw section")
			}
		})
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
	dir := t.TempDir()
	if err := report.WriteComparison(dir, fixture(), candidate()); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, filepath.Join(dir, report.ComparisonMarkdownFile))
	checkGolden(t, "compare.golden.md", got)
	if !bytes.Equal(got, report.ComparisonMarkdown(fixture(), candidate())) {
		t.Error("compare.md is not ComparisonMarkdown")
	}
	if _, err := os.Stat(filepath.Join(dir, report.CompareFile)); err != nil {
		t.Error(err)
	}
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
