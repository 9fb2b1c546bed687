package gate

import (
	"math"
	"slices"

	"github.com/aclements/go-moremath/stats"

	nstats "github.com/nngbench/nngbench/internal/stats"
)

// pWorse is the one-sided p-value of the Mann-Whitney U test of the
// hypothesis that the candidate is worse than the baseline: larger when
// lower is better, smaller when higher is. The test is exact, ties
// included, for up to 25 runs a side (go-moremath, the library benchstat
// uses), and a normal approximation with tie and continuity correction
// beyond. All values equal is no evidence: 1.
//
// Both directions are asked as "the first sample is less": go-moremath's
// exact LocationGreater steps back a whole unit from U where ties make it a
// half-integer, overstating p (a brute-force test below pins this).
func pWorse(base, cand []float64, higherBetter bool) float64 {
	lo, hi := base, cand // latency: worse is the candidate above the baseline
	if higherBetter {
		lo, hi = cand, base
	}
	res, err := stats.MannWhitneyUTest(lo, hi, stats.LocationLess)
	if err != nil { // ErrSamplesEqual or ErrSampleSize
		return 1
	}
	return res.P
}

// minP is the smallest one-sided p-value the exact test can give with n1
// and n2 samples: every candidate worse than every baseline run, which
// happens by chance once in C(n1+n2, n1) orderings.
func minP(n1, n2 int) float64 {
	if n1 <= 0 || n2 <= 0 {
		return 1
	}
	return 1 / binomial(n1+n2, n1)
}

func binomial(n, k int) float64 {
	c := 1.0
	for i := 1; i <= k; i++ {
		c = c * float64(n-k+i) / float64(i)
	}
	return c
}

// maxRuns bounds the searches below: no gate asks for more runs.
const maxRuns = 10_000

// runsNeeded is the fewest runs on each side for which the test can reach
// level at all.
func runsNeeded(level float64) int {
	for n := 1; n < maxRuns; n++ {
		if minP(n, n) <= level {
			return n
		}
	}
	return maxRuns
}

// candidateRunsNeeded is the fewest candidate runs for which the test can
// reach level against a baseline of nb runs.
func candidateRunsNeeded(nb int, level float64) int {
	if nb <= 0 {
		return maxRuns
	}
	for n := 1; n < maxRuns; n++ {
		if minP(nb, n) <= level {
			return n
		}
	}
	return maxRuns
}

// holm adjusts p-values for the m = len(p) comparisons of one gate (Holm's
// step-down method), so that comparing each adjusted value with alpha keeps
// the chance of any false alarm at most alpha, however the comparisons
// depend on each other.
func holm(p []float64) []float64 {
	m := len(p)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case p[a] < p[b]:
			return -1
		case p[a] > p[b]:
			return 1
		}
		return 0
	})
	adj := make([]float64, m)
	running := 0.0
	for rank, i := range order {
		running = math.Max(running, math.Min(1, float64(m-rank)*p[i]))
		adj[i] = running
	}
	return adj
}

// spread is the largest distance of a value from the median, relative to
// the median: the ± of the table.
func spread(xs []float64) float64 {
	m := nstats.Median(xs)
	if m == 0 || math.IsNaN(m) {
		return 0
	}
	d := 0.0
	for _, x := range xs {
		d = math.Max(d, math.Abs(x-m))
	}
	return d / math.Abs(m)
}
