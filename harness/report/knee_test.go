package report_test

import (
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

func rateSweepFixture(repeat int) *report.RateSweep {
	point := func(step int, planned, achieved, p99 float64, pass bool) report.RatePoint {
		p := report.RatePoint{Step: step, Dir: "step-0" + string(rune('0'+step)), Planned: planned, Pass: pass}
		for k := range repeat {
			f := 1 + 0.1*float64(k)
			r := report.RateRun{Achieved: achieved, P50: 500 * f, P99: p99 * f, P999: 2 * p99 * f, Valid: pass, SLOMet: pass}
			if !pass {
				r.Detail = "invalid: generator 3.0% behind plan"
			}
			p.Runs = append(p.Runs, r)
		}
		return p
	}
	return &report.RateSweep{Schema: report.RateSweepSchema, Scenario: "knee", Search: true, SLO: []string{"p99 < 5ms"},
		Repeat: repeat, Transport: "tcp", Workers: 2, Machine: "m", Commit: "abc", Workloads: []report.RateSeries{
			{Name: "rr", Pattern: "reqrep", Mode: "raw", Objectives: []string{"rr.p99 < 5ms"}, Knee: 1500, Points: []report.RatePoint{
				point(1, 1000, 1000, 1200, true), point(2, 2000, 1700, 90_000, false), point(3, 1500, 1498, 3000, true)}},
			{Name: "none", Pattern: "pushpull", Mode: "impl", Points: []report.RatePoint{point(1, 1000, 400, 90_000, false)}},
		}}
}

// A rate sweep writes sweep.json (read back equal), sweep.md with the
// knee and every point from the lowest rate up, and the chart.
func TestWriteRateSweep(t *testing.T) {
	t.Parallel()
	for _, repeat := range []int{1, 3} {
		dir := t.TempDir()
		rs := rateSweepFixture(repeat)
		if err := report.WriteRateSweep(dir, rs); err != nil {
			t.Fatal(err)
		}
		back, err := report.ReadRateSweep(filepath.Join(dir, report.RateSweepFile))
		if err != nil {
			t.Fatal(err)
		}
		if back.Workloads[0].Knee != 1500 || back.Workloads[0].KneeAchieved() != 1498 || len(back.Workloads[0].Points[0].Runs) != repeat {
			t.Errorf("read back %+v", back.Workloads[0])
		}
		md, err := os.ReadFile(filepath.Join(dir, report.SweepMarkdownFile))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"| rr | reqrep | raw | 1500.0 | 1498.0 | 3 | rr.p99 < 5ms |", "| none | pushpull | impl | none passed |"}
		if repeat == 1 {
			want = append(want, "| 1 | 1000.0 | 1000.0 | 0.500 | 1.200 | 2.400 | yes | yes | pass |  |",
				"| 3 | 1500.0 | 1498.0 | 0.500 | 3.000 | 6.000 | yes | yes | pass |")
		} else {
			want = append(want, "| 3 | 1500.0 | 1498.0 (1498.0–1498.0) | 0.550 (0.500–0.600) | 3.300 (3.000–3.600) |",
				"| 3 of 3 | 3 of 3 | pass |", "0 of 3 | 0 of 3 | FAIL | invalid: generator 3.0% behind plan |")
		}
		text := strings.ReplaceAll(string(md), "| – |", "|  |")
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("repeat %d: sweep.md lacks %q:\n%s", repeat, w, md)
			}
		}
		if i, j := strings.Index(text, "| 1 | 1000.0"), strings.Index(text, "| 3 | 1500.0"); i < 0 || j < i {
			t.Errorf("repeat %d: points not from the lowest rate up", repeat)
		}
		f, err := os.Open(filepath.Join(dir, report.LatencyVsRateFile))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() != report.Width || img.Bounds().Dy() != report.Height {
			t.Errorf("repeat %d: %s: %v %v", repeat, report.LatencyVsRateFile, err, img.Bounds())
		}
	}
}

func TestRateSweepErrors(t *testing.T) {
	t.Parallel()
	for name, mod := range map[string]func(*report.RateSweep){
		"schema":    func(rs *report.RateSweep) { rs.Schema = "x" },
		"no series": func(rs *report.RateSweep) { rs.Workloads = nil },
		"no run":    func(rs *report.RateSweep) { rs.Workloads[0].Points[0].Runs = nil },
	} {
		rs := rateSweepFixture(1)
		mod(rs)
		if err := report.WriteRateSweep(t.TempDir(), rs); !errors.Is(err, report.ErrRateSweep) {
			t.Errorf("%s: %v, want ErrRateSweep", name, err)
		}
	}
}

// Repeated points of a worker sweep show the median and the range.
func TestWriteSweepRepeated(t *testing.T) {
	t.Parallel()
	var groups [][]*result.Result
	for _, p := range sweepFixture() {
		q := *p
		q.Workloads = append([]result.Workload(nil), p.Workloads...)
		q.Workloads[0].Latency.P99 *= 2
		groups = append(groups, []*result.Result{p, &q})
	}
	dir := t.TempDir()
	if err := report.WriteSweepRepeated(dir, groups); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, report.SweepMarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"| 1 | tasks | pushpull | impl | 1200.0 (1200.0–1200.0) | 1200.0 (1200.0–1200.0) | 0.420 (0.420–0.420) | 3.000 (2.000–4.000) |",
		"| Valid | 2 of 6 runs |", "no: 0 of 2 runs valid"} {
		if !strings.Contains(string(md), w) {
			t.Errorf("sweep.md lacks %q:\n%s", w, md)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, report.ScalingFile)); err != nil {
		t.Error(err)
	}
	mixed := [][]*result.Result{{groups[0][0], groups[1][0]}}
	if err := report.WriteSweepRepeated(t.TempDir(), mixed); !errors.Is(err, report.ErrSweep) {
		t.Errorf("runs of two counts in one point: %v, want ErrSweep", err)
	}
}
