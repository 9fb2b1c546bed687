package report

import (
	"gonum.org/v1/plot/plotter"

	"github.com/nngbench/nngbench/harness/result"
)

// maxBuckets bounds the points drawn per series: a chart is Width pixels
// wide, so a series of more intervals than that draws, for each run of
// consecutive intervals that shares a column, only the lowest and highest
// (in their order) — the same line to the eye, since those are what the
// column's pixels show, with the spikes kept. Drawing every one of 600,000
// intervals cost gigabytes inside gonum/plot.
const maxBuckets = Width

// decimated is y of each interval, x its start, or when there are more
// than 2*buckets intervals, each bucket's lowest and highest point. Its
// memory is bounded by buckets, not by len(iv).
func decimated(iv []result.Interval, y func(result.Interval) float64, buckets int) plotter.XYs {
	if len(iv) <= 2*buckets {
		xys := make(plotter.XYs, len(iv))
		for i, v := range iv {
			xys[i] = plotter.XY{X: v.TS, Y: y(v)}
		}
		return xys
	}
	xys := make(plotter.XYs, 0, 2*buckets)
	for b := range buckets {
		lo, hi := b*len(iv)/buckets, (b+1)*len(iv)/buckets
		minI, maxI := lo, lo
		minY, maxY := y(iv[lo]), y(iv[lo])
		for i := lo + 1; i < hi; i++ {
			switch v := y(iv[i]); {
			case v < minY:
				minI, minY = i, v
			case v > maxY:
				maxI, maxY = i, v
			}
		}
		first, second := minI, maxI
		if maxI < minI {
			first, second = maxI, minI
		}
		xys = append(xys, plotter.XY{X: iv[first].TS, Y: y(iv[first])})
		if second != first {
			xys = append(xys, plotter.XY{X: iv[second].TS, Y: y(iv[second])})
		}
	}
	return xys
}
