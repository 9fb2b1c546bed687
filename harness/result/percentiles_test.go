package result_test

import (
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/nngbench/nngbench/harness/result"
)

func TestPercentilesOf(t *testing.T) {
	t.Parallel()
	// 1..1000 once each, counted in unit: exact below 2048 counts at 3
	// significant digits, so every quantile is the value at its rank.
	ramp := hdrhistogram.New(1, 60_000_000, 3)
	for v := int64(1); v <= 1000; v++ {
		_ = ramp.RecordValue(v)
	}
	c, _ := stallHistograms()
	tests := []struct {
		name string
		h    *hdrhistogram.Histogram
		unit time.Duration
		want result.Percentiles
	}{
		{"nil", nil, time.Microsecond, result.Percentiles{}},
		{"empty", hdrhistogram.New(1, 1000, 3), time.Microsecond, result.Percentiles{}},
		{"microseconds", ramp, time.Microsecond,
			result.Percentiles{P50: 500, P90: 900, P99: 990, P999: 999, P9999: 1000, Max: 1000, Mean: 500.5, Count: 1000}},
		{"unset unit is microseconds", ramp, 0,
			result.Percentiles{P50: 500, P90: 900, P99: 990, P999: 999, P9999: 1000, Max: 1000, Mean: 500.5, Count: 1000}},
		{"nanoseconds", ramp, time.Nanosecond,
			result.Percentiles{P50: 0.5, P90: 0.9, P99: 0.99, P999: 0.999, P9999: 1, Max: 1, Mean: 0.5005, Count: 1000}},
		{"milliseconds", ramp, time.Millisecond,
			result.Percentiles{P50: 500e3, P90: 900e3, P99: 990e3, P999: 999e3, P9999: 1000e3, Max: 1000e3, Mean: 500.5e3, Count: 1000}},
		// Above 2048 counts the bucket's upper edge is reported: 900,000 µs
		// is in a bucket 512 wide, [899,584, 900,095].
		{"stall, upper edges", c, time.Microsecond,
			result.Percentiles{P50: 1000, P90: 1000, P99: 900095, P999: 990207, P9999: 999423, Max: 1000447, Mean: 50950.4858, Count: 10000}}, // mean of bucket midpoints; exactly 50950
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := result.PercentilesOf(tt.h, tt.unit)
			if !closeEnough(got, tt.want) {
				t.Errorf("PercentilesOf = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// closeEnough compares exactly but for float rounding in the unit scaling.
func closeEnough(a, b result.Percentiles) bool {
	eq := func(x, y float64) bool { return x == y || (x-y)*(x-y) < 1e-18*(x*x+y*y) }
	return eq(a.P50, b.P50) && eq(a.P90, b.P90) && eq(a.P99, b.P99) && eq(a.P999, b.P999) &&
		eq(a.P9999, b.P9999) && eq(a.Max, b.Max) && eq(a.Mean, b.Mean) && a.Count == b.Count
}
