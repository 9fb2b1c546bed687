package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/nngbench/nngbench/harness/result"
)

// hgrmDir writes, through result.Write, the .hgrm files of a workload
// whose 10,000 latencies are 1..10,000 µs, uncorrected half of that.
func hgrmDir(t *testing.T) (string, *result.Result) {
	t.Helper()
	corrected, uncorrected := hdrhistogram.New(1, 60_000_000, 3), hdrhistogram.New(1, 60_000_000, 3)
	for v := int64(1); v <= 10_000; v++ {
		_ = corrected.RecordValue(v)
		_ = uncorrected.RecordValue(max(v/2, 1))
	}
	r := &result.Result{Scenario: "p", StartedAt: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC), DurationS: 1,
		Workloads: []result.Workload{{Name: "w", Pattern: "reqrep", Mode: "raw", Model: result.ModelOpen,
			Latency: result.PercentilesOf(corrected, time.Microsecond), LatencyUncorrected: result.PercentilesOf(uncorrected, time.Microsecond),
			Intervals: []result.Interval{}, Valid: true}},
		Faults: []result.Fault{}, Checks: []result.Check{}, Valid: true}
	dir := t.TempDir()
	if err := result.Write(dir, r, map[string]result.HistogramPair{"w": {Corrected: corrected, Uncorrected: uncorrected}}); err != nil {
		t.Fatal(err)
	}
	return dir, r
}

// rows counts the data rows of an .hgrm file.
func rows(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 4 && f[0] != "Value" && !strings.HasPrefix(f[0], "#") {
			n++
		}
	}
	return n
}

// TestPercentileCurveIsTheWholeDistribution: the chart's curves have a
// point per row of the .hgrm files, at x = 1/(1-p), rising; without the
// files it falls back on result.json's six points and says so.
func TestPercentileCurveIsTheWholeDistribution(t *testing.T) {
	t.Parallel()
	dir, r := hgrmDir(t)
	lines, err := percentileCurves(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 {
		t.Fatalf("%d lines, want corrected and uncorrected", len(lines))
	}
	for i, file := range []string{"w.hgrm", "w.uncorrected.hgrm"} {
		xys := lines[i].xys
		want := rows(t, filepath.Join(dir, file))
		if len(xys) != want || want < 50 {
			t.Errorf("%s: %d points drawn, the file has %d rows", file, len(xys), want)
		}
		for j := 1; j < len(xys); j++ {
			if xys[j].X < xys[j-1].X || xys[j].Y < xys[j-1].Y {
				t.Errorf("%s: point %d %v goes down from %v", file, j, xys[j], xys[j-1])
			}
		}
		// p50 of 1..10,000 µs is 5 ms (half of that uncorrected), at x = 2.
		wantP50 := []float64{5, 2.5}[i]
		for _, xy := range xys {
			if xy.X >= 2 {
				if xy.Y < wantP50*0.99 || xy.Y > wantP50*1.01 {
					t.Errorf("%s: %g ms at x %g, want p50 %g ms", file, xy.Y, xy.X, wantP50)
				}
				break
			}
		}
	}

	t.Run("without the files", func(t *testing.T) {
		curves, err := percentileCurves(t.TempDir(), r)
		if err != nil {
			t.Fatal(err)
		}
		for _, cv := range curves {
			if len(cv.xys) != 6 || !strings.Contains(cv.name, "no .hgrm") {
				t.Errorf("%s: %d points, want result.json's six, and the legend saying so", cv.name, len(cv.xys))
			}
		}
	})
	t.Run("a malformed file names its line", func(t *testing.T) {
		bad := t.TempDir()
		if err := os.WriteFile(filepath.Join(bad, "w.hgrm"), []byte(" Value\tPercentile\tTotalCount\t1/(1-Percentile)\n\n 1.0 0.5 3\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := percentileChart(bad, r); err == nil || !strings.Contains(err.Error(), "w.hgrm:3:") {
			t.Errorf("err = %v, want one naming w.hgrm:3", err)
		}
	})
}
