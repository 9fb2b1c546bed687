package report_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

func TestSweepGolden(t *testing.T) {
	t.Parallel()
	got, err := report.SweepMarkdown(sweepFixture())
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "sweep.golden.md", got)
	// The order of the points does not matter.
	reversed := sweepFixture()
	slices.Reverse(reversed)
	md, err := report.SweepMarkdown(reversed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(md, got) {
		t.Error("sweep.md depends on the order of the points")
	}
	for _, n := range []int{1, 2, 4} {
		link := "(" + report.SweepPointDir(n) + "/" + report.MarkdownFile + ")"
		if !bytes.Contains(got, []byte(link)) {
			t.Errorf("sweep.md does not link %s", link)
		}
	}
}

func TestSweepErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		points func() []*result.Result
	}{
		{"none", func() []*result.Result { return nil }},
		{"nil-point", func() []*result.Result { return append(sweepFixture(), nil) }},
		{"two-scenarios", func() []*result.Result {
			ps := sweepFixture()
			ps[1].Scenario = "other"
			return ps
		}},
		{"same-count", func() []*result.Result {
			ps := sweepFixture()
			ps[1].Workers = ps[0].Workers
			return ps
		}},
		{"no-workers", func() []*result.Result {
			ps := sweepFixture()
			ps[2].Workers = 0
			return ps
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := report.WriteSweep(t.TempDir(), tc.points()); !errors.Is(err, report.ErrSweep) {
				t.Errorf("WriteSweep = %v, want ErrSweep", err)
			}
		})
	}
}
