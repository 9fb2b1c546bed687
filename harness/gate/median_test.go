package gate_test

import (
	"testing"

	"github.com/nngbench/nngbench/harness/gate"
	"github.com/nngbench/nngbench/harness/result"
)

func TestMedian(t *testing.T) {
	run := func(p50, rate float64, valid bool) gate.Run {
		return gate.Run{Result: &result.Result{Scenario: "s", Valid: valid, Workloads: []result.Workload{
			{Name: "w", Latency: result.Percentiles{P50: p50, P99: 2 * p50}, RecvRate: rate, Intervals: []result.Interval{{TS: 0}}},
		}}}
	}
	m := gate.Median([]gate.Run{run(100, 10, true), run(300, 30, true), run(200, 20, true), run(9999, 0, false)})
	w := m.Workloads[0]
	if w.Latency.P50 != 200 || w.Latency.P99 != 400 || w.RecvRate != 20 || w.Intervals != nil {
		t.Fatalf("median %+v: want p50 200, p99 400, rate 20, no intervals (the invalid run left out)", w)
	}
	if gate.Median([]gate.Run{run(1, 1, false)}) != nil {
		t.Error("a median of no valid run")
	}
}
