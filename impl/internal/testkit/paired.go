package testkit

import (
	"testing"
	"time"

	"github.com/nngbench/nngbench/internal/stats"
)

// Paired measures a baseline and a candidate side by side: it runs them in
// alternating blocks of block operations each until both have done b.N,
// and reports the median time per operation of each ("base-ns/op",
// "cand-ns/op") and the median of the per-block ratios cand/base
// ("cand/base"). Shared machines drift by tens of percent within seconds;
// alternating short blocks puts both through the same drift, so the ratio
// holds where two separate benchmarks would not. run(n) does n operations
// and returns only when they are complete.
func Paired(b *testing.B, block int, base, cand func(n int)) {
	b.Helper()
	var baseNs, candNs, ratios []float64
	timed := func(run func(int), n int) float64 {
		start := time.Now()
		run(n)
		return float64(time.Since(start).Nanoseconds()) / float64(n)
	}
	b.ResetTimer()
	for done := 0; done < b.N; done += block {
		n := min(block, b.N-done)
		bn := timed(base, n)
		cn := timed(cand, n)
		baseNs, candNs, ratios = append(baseNs, bn), append(candNs, cn), append(ratios, cn/bn)
	}
	b.StopTimer()
	b.ReportMetric(stats.Median(baseNs), "base-ns/op")
	b.ReportMetric(stats.Median(candNs), "cand-ns/op")
	b.ReportMetric(stats.Median(ratios), "cand/base")
	b.ReportMetric(0, "ns/op") // the pair's total time means nothing on its own
}
