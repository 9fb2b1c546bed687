package gate

import (
	"slices"

	"github.com/nngbench/nngbench/harness/result"
	nstats "github.com/nngbench/nngbench/internal/stats"
)

// Median sums up repeated runs of one scenario as one result, for charts
// and tables that show a side at a glance: the first valid run's
// definition, and for each of its workloads the median over the runs of
// every latency percentile, rate and count. Runs marked invalid are left
// out; nil when none is valid.
func Median(runs []Run) *result.Result {
	var rs []*result.Result
	for _, r := range runs {
		if r.Result.Valid {
			rs = append(rs, r.Result)
		}
	}
	if len(rs) == 0 {
		return nil
	}
	out := *rs[0]
	out.Workloads = slices.Clone(out.Workloads)
	for i := range out.Workloads {
		w := &out.Workloads[i]
		var same []result.Workload
		for _, r := range rs {
			if j := slices.IndexFunc(r.Workloads, func(o result.Workload) bool { return o.Name == w.Name }); j >= 0 {
				same = append(same, r.Workloads[j])
			}
		}
		med := func(f func(result.Workload) float64) float64 {
			v := make([]float64, len(same))
			for k, s := range same {
				v[k] = f(s)
			}
			return nstats.Median(v)
		}
		pct := func(f func(result.Workload) result.Percentiles) result.Percentiles {
			return result.Percentiles{
				P50: med(func(s result.Workload) float64 { return f(s).P50 }), P90: med(func(s result.Workload) float64 { return f(s).P90 }),
				P99: med(func(s result.Workload) float64 { return f(s).P99 }), P999: med(func(s result.Workload) float64 { return f(s).P999 }),
				P9999: med(func(s result.Workload) float64 { return f(s).P9999 }), Max: med(func(s result.Workload) float64 { return f(s).Max }),
				Mean: med(func(s result.Workload) float64 { return f(s).Mean }), Count: int64(med(func(s result.Workload) float64 { return float64(f(s).Count) })),
			}
		}
		w.Latency = pct(func(s result.Workload) result.Percentiles { return s.Latency })
		w.LatencyUncorrected = pct(func(s result.Workload) result.Percentiles { return s.LatencyUncorrected })
		w.SendRate = med(func(s result.Workload) float64 { return s.SendRate })
		w.RecvRate = med(func(s result.Workload) float64 { return s.RecvRate })
		w.BytesPerS = med(func(s result.Workload) float64 { return s.BytesPerS })
		w.Sent = int64(med(func(s result.Workload) float64 { return float64(s.Sent) }))
		w.Received = int64(med(func(s result.Workload) float64 { return float64(s.Received) }))
		w.Lost = int64(med(func(s result.Workload) float64 { return float64(s.Lost) }))
		w.Intervals, w.Phases = nil, nil // a median run has no timeline
	}
	out.Faults, out.Checks, out.Recovery, out.Gates = []result.Fault{}, []result.Check{}, []result.Recovery{}, []result.Gate{}
	return &out
}
