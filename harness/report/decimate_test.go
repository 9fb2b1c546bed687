package report

import (
	"math"
	"testing"

	"github.com/nngbench/nngbench/harness/result"
)

// Up to two points per column every interval is drawn; past that each
// column keeps its lowest and highest in time order, so a one-interval
// spike survives 600,000 intervals, and the points stay within the bound.
func TestDecimated(t *testing.T) {
	t.Parallel()
	p99 := func(v result.Interval) float64 { return v.P99US }
	gen := func(n, spike int) []result.Interval {
		iv := make([]result.Interval, n)
		for i := range iv {
			iv[i] = result.Interval{TS: float64(i) / 10, P99US: 1000 + float64(i%7)}
		}
		if spike >= 0 {
			iv[spike].P99US = 1e6
		}
		return iv
	}
	cases := []struct {
		name             string
		n, spike, bucket int
		wantLen          int // 0: at most 2*bucket
	}{
		{"short series drawn whole", 15, 5, 10, 15},
		{"exactly two per column", 20, 3, 10, 20},
		{"long series decimated", 600_000, 333_333, 1200, 0},
		{"spike first", 10_000, 0, 100, 0},
		{"spike last", 10_000, 9_999, 100, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			iv := gen(tc.n, tc.spike)
			xys := decimated(iv, p99, tc.bucket)
			switch {
			case tc.wantLen > 0 && len(xys) != tc.wantLen:
				t.Errorf("%d points, want %d", len(xys), tc.wantLen)
			case tc.wantLen == 0 && (len(xys) > 2*tc.bucket || len(xys) < tc.bucket):
				t.Errorf("%d points, want %d to %d", len(xys), tc.bucket, 2*tc.bucket)
			}
			peak, low := 0.0, math.Inf(1)
			for i, p := range xys {
				if i > 0 && p.X <= xys[i-1].X {
					t.Fatalf("point %d at x=%g after x=%g: not in time order", i, p.X, xys[i-1].X)
				}
				peak, low = max(peak, p.Y), min(low, p.Y)
			}
			if peak != 1e6 || low != 1000 {
				t.Errorf("drawn range [%g, %g], want [1000, 1e6]: the spike or the floor was lost", low, peak)
			}
			if xys[0].X != iv[0].TS && tc.spike != 0 {
				t.Errorf("first point at %g, want the first interval's %g", xys[0].X, iv[0].TS)
			}
		})
	}
}
