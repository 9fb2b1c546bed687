package load

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/internal/stats"
)

// openLoopSearch bounds the open-loop generator's benchmark: each run's
// window, and the bisection over the rate, as a share of the closed-loop
// maximum (lo is assumed kept, hi not; steps halve the gap, and a step that
// fails is tried once more before it counts: a stall of the shared machine
// is not the generator's limit).
var openLoopSearch = struct {
	window, warmup time.Duration
	lo, hi         float64
	steps, tries   int
}{window: 300 * time.Millisecond, warmup: 50 * time.Millisecond, lo: 0.25, hi: 1.25, steps: 5, tries: 2}

// BenchmarkOpenLoop is the open-loop generator beside the library's own
// speed, in one run: raw push/pull and pair over loopback TCP, one sender,
// the peer in this process, history recorded as in every run. Each case
// bisects for the highest share of the closed-loop maximum at which the
// generator stays within record.MaxBehind of its plan (the run's own
// "generator behind plan" verdict). The machine drifts within seconds, so
// each step measures the closed-loop maximum just before its open-loop run
// and plans that share of it; the case reports the median closed-loop
// figure, the open-loop rate found (that share of it) and the share.
// About 30 s in all on two cores, more on a loaded machine.
func BenchmarkOpenLoop(b *testing.B) {
	for _, pattern := range []scenario.Pattern{scenario.PatternPushPull, scenario.PatternPair} {
		for _, size := range []int{64, 1024} {
			b.Run(fmt.Sprintf("%s/%s", pattern, sizeName(size)), func(b *testing.B) {
				var closed, share float64
				for range b.N {
					c, s := openLoopCase(b, pattern, size)
					closed += c
					share += s
				}
				n := float64(b.N)
				b.ReportMetric(closed/n, "closed-msgs/s")
				b.ReportMetric(share/n*closed/n, "open-msgs/s")
				b.ReportMetric(share/n, "open/closed")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

// openLoopCase returns the closed-loop maximum of pattern at size (the
// median over the steps) and the highest share of it found at which the
// open loop kept its plan.
func openLoopCase(b *testing.B, pattern scenario.Pattern, size int) (closed, share float64) {
	b.Helper()
	sr := openLoopSearch
	spec := Spec{Spec: engine.Spec{Pattern: pattern, Duration: sr.window, Warmup: sr.warmup,
		Size: scenario.SizeRange{Min: int64(size), Max: int64(size)}, Grace: 200 * time.Millisecond}}
	var closedRates []float64
	at := func(share float64) bool {
		for range sr.tries {
			c := openLoopRun(b, spec)
			closedRates = append(closedRates, c)
			s := spec
			s.Rate = share * c
			if openLoopKept(b, s) {
				return true
			}
		}
		return false
	}
	lo, hi, kept := sr.lo, sr.hi, false
	for range sr.steps {
		mid := (lo + hi) / 2
		if at(mid) {
			lo, kept = mid, true
		} else {
			hi = mid
		}
	}
	if !kept && !at(lo) { // lo was only assumed
		lo = 0
	}
	return stats.Median(closedRates), lo
}

// openLoopRun runs spec once and returns what it sent per second of the
// window.
func openLoopRun(b *testing.B, spec Spec) float64 {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	o, err := Run(ctx, spec)
	if err != nil {
		b.Fatal(err)
	}
	return o.Send.Snapshot(o.End).SendRate
}

// openLoopKept says whether an open-loop run of spec stayed within
// record.MaxBehind of its plan.
func openLoopKept(b *testing.B, spec Spec) bool {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t0 := time.Now()
	o, err := Run(ctx, spec)
	if err != nil {
		b.Fatal(err)
	}
	frac, behind := o.Send.Behind(spec.Rate, o.End)
	b.Logf("open loop at %.0f/s: %.2f%% behind (run took %v)", spec.Rate, 100*frac, time.Since(t0).Round(time.Millisecond))
	return !behind
}

func sizeName(n int) string {
	if n%1024 == 0 {
		return fmt.Sprintf("%dKiB", n/1024)
	}
	return fmt.Sprintf("%dB", n)
}
