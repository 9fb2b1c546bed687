package stats_test

import (
	"math"
	"testing"

	"go.uber.org/goleak"

	"github.com/nngbench/nngbench/internal/stats"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{7}, 7},
		{[]float64{-1, -1, 5}, -1},
	} {
		in := append([]float64(nil), tc.in...)
		if got := stats.Median(tc.in); got != tc.want {
			t.Errorf("Median(%v) = %g, want %g", tc.in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Fatalf("Median reordered its input: %v, was %v", tc.in, in)
			}
		}
	}
	if m := stats.Median(nil); !math.IsNaN(m) {
		t.Errorf("Median(nil) = %g, want NaN", m)
	}
}
