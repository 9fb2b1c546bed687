package gate

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// The second test of a row: a hierarchical bootstrap of the ratio
// candidate/baseline of the percentile of each side's runs merged.
//
// Why hierarchical: the operations of one run share that run's machine
// state (its neighbours' load, its frequency, its cache), so they are not
// independent draws; a bootstrap over the operations of the merged
// histograms alone would treat a few thousand correlated operations as
// independent and give intervals far too narrow when runs differ, which on
// a shared machine they do. Resampling the runs first (with replacement)
// keeps the run-to-run variance in the interval; resampling the operations
// within each drawn run (Poisson weights per bucket, the usual large-sample
// stand-in for a multinomial draw) adds the sampling error of the
// percentile itself, which for a p99.9 from a few thousand operations is
// most of it. A run without a histogram (no .hlog) stands for its own
// figure, and the side is resampled by runs only (recv_rate always is).

// bootResamples is the number of bootstrap resamples; at the Bonferroni
// level of 12 rows at alpha/2 (0.1%) the bound is the 8th of them.
const bootResamples = 4000

// bootSeed makes the gate's intervals the same on every run of it.
const bootSeed = 0x6e6e6762656e6368

// bar is one bucket of a run's histogram: its upper edge (µs) and count.
type bar struct {
	v float64
	n int64
}

// runSample is one side of a row: per run its histogram (nil when it has none)
// and its figure.
type runSample struct {
	hists [][]bar
	vals  []float64
}

// hasHists says whether every run of the side has a histogram.
func (s runSample) hasHists() bool {
	return len(s.hists) > 0 && !slices.ContainsFunc(s.hists, func(h []bar) bool { return len(h) == 0 })
}

// grid is a side's runs' histograms on one axis, for fast resampling:
// the distinct bucket values, sorted, and per run each bucket's index on
// it, count and e^-count (for poisson).
type grid struct {
	values []float64
	idx    [][]int
	cnt    [][]float64
	expNeg [][]float64
	w      []float64 // the resample's weights, reused
}

func (s runSample) grid() *grid {
	g := &grid{}
	for _, h := range s.hists {
		for _, b := range h {
			g.values = append(g.values, b.v)
		}
	}
	slices.Sort(g.values)
	g.values = slices.Compact(g.values)
	for _, h := range s.hists {
		var idx []int
		var cnt, en []float64
		for _, b := range h {
			i, _ := slices.BinarySearch(g.values, b.v)
			idx, cnt, en = append(idx, i), append(cnt, float64(b.n)), append(en, math.Exp(-float64(b.n)))
		}
		g.idx, g.cnt, g.expNeg = append(g.idx, idx), append(g.cnt, cnt), append(g.expNeg, en)
	}
	g.w = make([]float64, len(g.values))
	return g
}

// statistic is one resample's figure of a side: the quantile q of the
// merged resampled histograms (g), or, without g, the median of the
// resampled runs' figures.
func (s runSample) statistic(rng *rand.Rand, q float64, draw []int, g *grid) float64 {
	for i := range draw {
		draw[i] = rng.IntN(len(s.vals))
	}
	if g == nil {
		xs := make([]float64, len(draw))
		for i, d := range draw {
			xs[i] = s.vals[d]
		}
		slices.Sort(xs)
		return median(xs)
	}
	clear(g.w)
	total := 0.0
	for _, d := range draw {
		for j, i := range g.idx[d] {
			c := poisson(rng, g.cnt[d][j], g.expNeg[d][j])
			g.w[i] += c
			total += c
		}
	}
	want, cum := q*total, 0.0
	for i, w := range g.w {
		if cum += w; cum >= want && cum > 0 {
			return g.values[i]
		}
	}
	return math.NaN()
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// poisson draws from a Poisson distribution of mean m: Knuth's product of
// uniforms while m is small, a rounded normal beyond (its error there is
// far below the bootstrap's own).
// l is e^-m.
func poisson(rng *rand.Rand, m, l float64) float64 {
	if m >= 30 {
		return math.Max(0, math.Round(m+math.Sqrt(m)*rng.NormFloat64()))
	}
	k, p := 0.0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// ratioInterval is the two-sided interval of cand/base at level each side
// (the level/2 and 1-level/2 quantiles are not what it gives: the bounds
// are the level and 1-level quantiles, each a one-sided bound at 1-level),
// from bootResamples resamples of both sides. q is the quantile of a
// latency row, or -1 for a figure per run (recv_rate). NaN, NaN when a
// side has no run.
func ratioInterval(base, cand runSample, q, level float64, seed uint64) (lo, hi float64) {
	if len(base.vals) == 0 || len(cand.vals) == 0 {
		return math.NaN(), math.NaN()
	}
	rng := rand.New(rand.NewPCG(bootSeed, seed)) // #nosec G404 -- a seeded, reproducible bootstrap, not a secret
	var bg, cg *grid
	if q >= 0 && base.hasHists() && cand.hasHists() {
		bg, cg = base.grid(), cand.grid()
	}
	bd, cd := make([]int, len(base.vals)), make([]int, len(cand.vals))
	ratios := make([]float64, 0, bootResamples)
	for range bootResamples {
		b := base.statistic(rng, q, bd, bg)
		c := cand.statistic(rng, q, cd, cg)
		if b > 0 && !math.IsNaN(c) {
			ratios = append(ratios, c/b)
		}
	}
	if len(ratios) == 0 {
		return math.NaN(), math.NaN()
	}
	slices.Sort(ratios)
	at := func(p float64) float64 {
		return ratios[min(len(ratios)-1, max(0, int(math.Floor(p*float64(len(ratios))))))]
	}
	return at(level), at(1 - level)
}

// readHist merges the untagged intervals of a run's .hlog for one workload
// (latency from the intended send, in ns) into buckets in µs. A run without
// the file gives nil and no error: results written without histograms (by
// hand, by tests, by an older nngbench) are compared by their figures.
func readHist(resultPath, workload string) ([]bar, error) {
	path := filepath.Join(filepath.Dir(resultPath), workload+".hlog")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("gate: %w", err)
	}
	defer f.Close()
	r := hdrhistogram.NewHistogramLogReader(f)
	var merged *hdrhistogram.Histogram
	for {
		h, err := r.NextIntervalHistogram()
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("gate: %s: %w", path, err)
		}
		if h == nil {
			break
		}
		if h.Tag() != "" { // a worker's own series, already in the untagged one
			continue
		}
		if merged == nil {
			merged = hdrhistogram.New(h.LowestTrackableValue(), h.HighestTrackableValue(), int(h.SignificantFigures()))
		}
		merged.Merge(h)
	}
	if merged == nil {
		return nil, nil
	}
	var bars []bar
	for _, b := range merged.Distribution() {
		if b.Count > 0 {
			bars = append(bars, bar{v: float64(b.To) / 1e3, n: b.Count})
		}
	}
	return bars, nil
}
