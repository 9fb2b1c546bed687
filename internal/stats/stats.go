// Package stats holds the small statistics the harness, the benchmarks and
// the scripts share.
package stats

import (
	"math"
	"slices"
)

// Median is the median of xs, which it does not change; NaN when xs is empty.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
