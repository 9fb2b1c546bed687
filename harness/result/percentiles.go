package result

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// PercentilesOf summarises h in microseconds, where one count of h is unit
// (time.Microsecond when unit is not positive). A nil or empty h gives zeros.
func PercentilesOf(h *hdrhistogram.Histogram, unit time.Duration) Percentiles {
	if h == nil || h.TotalCount() == 0 {
		return Percentiles{}
	}
	us := float64(countUnit(unit)) / float64(time.Microsecond)
	at := func(q float64) float64 { return float64(h.ValueAtQuantile(q)) * us }
	return Percentiles{
		P50:   at(50),
		P90:   at(90),
		P99:   at(99),
		P999:  at(99.9),
		P9999: at(99.99),
		Max:   float64(h.Max()) * us,
		Mean:  h.Mean() * us,
		Count: h.TotalCount(),
	}
}

// countUnit is what one histogram count stands for: unit, or the
// recorder's default of a microsecond when unit is not set.
func countUnit(unit time.Duration) time.Duration {
	if unit <= 0 {
		return time.Microsecond
	}
	return unit
}
