package gate

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPWorse pins the p-values against values worked out by hand from the
// exact U distribution, and against R's wilcox.test(exact=TRUE) where the
// samples have no ties.
func TestPWorse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		base, cand   []float64
		higherBetter bool
		want         float64
	}{
		// Candidate all above: 1 ordering of C(6,3)=20.
		{"3v3 separated", []float64{1, 2, 3}, []float64{4, 5, 6}, false, 1.0 / 20},
		// Same, but higher is better: the candidate is better, so no evidence it is worse:
		// P(U <= 9) = 1.
		{"3v3 separated, higher better", []float64{1, 2, 3}, []float64{4, 5, 6}, true, 1},
		{"3v3 lower, higher better", []float64{4, 5, 6}, []float64{1, 2, 3}, true, 1.0 / 20},
		// 5v5 separated: 1/C(10,5) = 1/252.
		{"5v5 separated", []float64{1, 2, 3, 4, 5}, []float64{6, 7, 8, 9, 10}, false, 1.0 / 252},
		// One overlap: U = 24 of 25; P(U >= 24) = 2/252 (U=25 and U=24 each one arrangement).
		{"5v5 one swap", []float64{1, 2, 3, 4, 6}, []float64{5, 7, 8, 9, 10}, false, 2.0 / 252},
		// U = 10 of 20, the centre of a symmetric distribution: p = 1/2 + P(U=10)/2,
		// and 12 of the C(9,4) = 126 orderings give U = 10: p = 69/126. R's
		// wilcox.test(c(1.1,2.2,3.3,4.4), c(0.5,1.5,2.5,3.5,4.5), alternative="greater")
		// gives 0.5476.
		{"4v5 interleaved", []float64{0.5, 1.5, 2.5, 3.5, 4.5}, []float64{1.1, 2.2, 3.3, 4.4}, false, 69.0 / 126},
		// All equal: no evidence.
		{"all equal", []float64{7, 7, 7}, []float64{7, 7, 7}, false, 1},
		// Ties across the sides (3 and 3): U = 8.5 of 9. By enumeration of the
		// 20 splits of {1,2,3,3,4,5} with mid-ranks, U >= 8.5 in 2 of them.
		{"3v3 tie", []float64{1, 2, 3}, []float64{3, 4, 5}, false, 2.0 / 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := pWorse(tt.base, tt.cand, tt.higherBetter)
			if math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("pWorse = %.6f, want %.6f", got, tt.want)
			}
		})
	}
}

func TestMinPAndRunsNeeded(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		n1, n2 int
		want   float64
	}{{1, 1, 0.5}, {3, 3, 0.05}, {5, 5, 1.0 / 252}, {3, 7, 1.0 / 120}, {0, 4, 1}} {
		if got := minP(tt.n1, tt.n2); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("minP(%d, %d) = %g, want %g", tt.n1, tt.n2, got, tt.want)
		}
	}
	for _, tt := range []struct {
		level float64
		want  int
	}{
		{0.05, 3},       // 1/20
		{0.05 / 4, 5},   // 1/70 > 0.0125 >= 1/252
		{0.05 / 12, 5},  // 1/252 <= 0.00417
		{0.05 / 48, 7},  // 1/924 > 0.00104 >= 1/3432
		{0.01 / 100, 8}, // 1/3432 > 1e-4 >= 1/12870
	} {
		if got := runsNeeded(tt.level); got != tt.want {
			t.Errorf("runsNeeded(%g) = %d, want %d", tt.level, got, tt.want)
		}
	}
	// The table of the package documentation, at its edges.
	for _, tt := range []struct{ m, want int }{
		{1, 3}, {2, 4}, {3, 4}, {4, 5}, {12, 5}, {13, 6}, {46, 6}, {47, 7}, {171, 7}, {172, 8}, {643, 8},
	} {
		if got := runsNeeded(0.05 / float64(tt.m)); got != tt.want {
			t.Errorf("%d comparisons at alpha 0.05: %d runs, want %d (doc.go's table)", tt.m, got, tt.want)
		}
	}
	// With 3 baseline runs the candidate needs C(3+n, 3) >= 80: n = 6 (C(9,3) = 84).
	if got := candidateRunsNeeded(3, 0.05/4); got != 6 {
		t.Errorf("candidateRunsNeeded(3, 0.0125) = %d, want 6", got)
	}
	if got := candidateRunsNeeded(0, 0.05); got != maxRuns {
		t.Errorf("candidateRunsNeeded(0, ...) = %d", got)
	}
}

// TestHolm against the textbook example (also R's p.adjust(method="holm")).
func TestHolm(t *testing.T) {
	t.Parallel()
	p := []float64{0.01, 0.04, 0.03, 0.005}
	want := []float64{0.03, 0.06, 0.06, 0.02}
	got := holm(p)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("holm(%v) = %v, want %v", p, got, want)
			break
		}
	}
	if got := holm([]float64{0.9, 0.6}); got[0] != 1 || got[1] != 1 {
		t.Errorf("holm caps at 1: %v", got)
	}
}

// The median's own cases are internal/stats' TestMedian.
func TestSpread(t *testing.T) {
	t.Parallel()
	if s := spread([]float64{90, 100, 105}); math.Abs(s-0.1) > 1e-12 {
		t.Errorf("spread = %g", s)
	}
}

// TestPWorseOracle checks the exact test against a brute-force permutation
// test: every way of splitting the pooled values into a baseline and a
// candidate, U counted with ties as one half, p the share of splits with a
// U at least the observed one. Values are drawn from a few levels so that
// ties are common, as they are with HdrHistogram's bucket edges.
func TestPWorseOracle(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := range 300 {
		nb, nc := 2+rng.IntN(5), 2+rng.IntN(5)
		levels := 2 + rng.IntN(6)
		draw := func(n int, shift int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(rng.IntN(levels) + shift)
			}
			return xs
		}
		base, cand := draw(nb, 0), draw(nc, rng.IntN(2))
		want := bruteP(base, cand)
		got := pWorse(base, cand, false)
		if math.Abs(got-want) > 1e-9 {
			t.Fatalf("trial %d: pWorse(%v, %v) = %.6f, brute force %.6f", trial, base, cand, got, want)
		}
		// Higher is better: worse is the candidate below, the same test mirrored.
		if got, want := pWorse(base, cand, true), bruteP(cand, base); math.Abs(got-want) > 1e-9 {
			t.Fatalf("trial %d: pWorse(%v, %v, higher better) = %.6f, brute force %.6f", trial, base, cand, got, want)
		}
	}
}

func uStat(base, cand []float64) float64 {
	u := 0.0
	for _, c := range cand {
		for _, b := range base {
			switch {
			case c > b:
				u++
			case c == b:
				u += 0.5
			}
		}
	}
	return u
}

func bruteP(base, cand []float64) float64 {
	pool := append(slices.Clone(base), cand...)
	if slices.Min(pool) == slices.Max(pool) {
		return 1 // as pWorse: no evidence
	}
	obs := uStat(base, cand)
	n, k := len(pool), len(cand)
	hits, total := 0, 0
	for mask := 0; mask < 1<<n; mask++ {
		if bits.OnesCount(uint(mask)) != k {
			continue
		}
		var b, c []float64
		for i, v := range pool {
			if mask&(1<<i) != 0 {
				c = append(c, v)
			} else {
				b = append(b, v)
			}
		}
		total++
		if uStat(b, c) >= obs-1e-9 {
			hits++
		}
	}
	return float64(hits) / float64(total)
}
