package report_test

import (
	"time"

	"github.com/nngbench/nngbench/harness/result"
)

func ptr(f float64) *float64 { return &f }

// fixture is a fixed run: 2 workloads over 10 s, one fault from 4 s to 6 s,
// one check. Nothing in it depends on when or where the test runs.
func fixture() *result.Result {
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	iv := func(scale float64, stall bool) []result.Interval {
		out := make([]result.Interval, 10)
		for i := range out {
			p50, p99, mx := 800*scale, 1500*scale, 3000*scale
			sent, recv := int64(1000), int64(1000)
			if stall && (i == 4 || i == 5) {
				p50, p99, mx, recv = 200_000, 900_000, 1_000_000, 400
			}
			out[i] = result.Interval{TS: float64(i), Sent: sent, Received: recv, P50US: p50, P99US: p99, MaxUS: mx}
		}
		return out
	}
	return &result.Result{
		Schema: result.Schema, Scenario: "reqrep-stall", Description: "a 2 s | stall\nhalfway",
		Workers: 2, Transport: "tcp", Seed: 7, StartedAt: start, DurationS: 10, WarmupS: 2,
		Machine: result.Machine{CPU: "AMD EPYC 7B13", Cores: 4, GoVersion: "go1.26.8", OS: "linux",
			Arch: "amd64", Commit: "0123abcd", Hostname: "bench-1"},
		Workloads: []result.Workload{{
			Name: "reqrep", Pattern: "reqrep", Mode: "tcp", Model: result.ModelOpen, PlannedRate: 1000, Concurrency: 4,
			Sent: 10000, Received: 9998, Errors: 1, Timeouts: 2, Lost: 2, Duplicated: 0, Reordered: 5,
			SendRate: 1000, RecvRate: 999.8,
			Latency:            result.Percentiles{P50: 850, P90: 1200, P99: 900_095, P999: 990_207, P9999: 999_423, Max: 1_000_447, Mean: 50_950.5, Count: 10000},
			LatencyUncorrected: result.Percentiles{P50: 800, P90: 1000, P99: 1500, P999: 3000, P9999: 200_000, Max: 1_000_447, Mean: 1099.9, Count: 10000},
			Intervals:          iv(1, true),
			Phases: []result.Phase{
				{Fault: "stall", Phase: result.PhaseBefore, Latency: result.Percentiles{P50: 840, P99: 1100, Max: 1500, Count: 4999}},
				{Fault: "stall", Phase: result.PhaseDuring, Latency: result.Percentiles{P50: 1000, P99: 1000, Max: 1000, Count: 1}},
				{Fault: "stall", Phase: result.PhaseAfter, Latency: result.Percentiles{P50: 900, P99: 990_000, Max: 1_000_447, Count: 4998}},
			},
			Valid: false, Invalid: "generator 2.0% behind plan",
		}, {
			Name: "pubsub.fanout-3", Pattern: "pubsub", Mode: "tcp", Model: result.ModelClosed, Concurrency: 1,
			Sent: 10000, Received: 30000, SendRate: 1000, RecvRate: 3000,
			Latency:            result.Percentiles{P50: 400, P90: 500, P99: 700, P999: 900, P9999: 1100, Max: 1300, Mean: 420, Count: 30000},
			LatencyUncorrected: result.Percentiles{P50: 390, P90: 480, P99: 650, P999: 800, P9999: 1000, Max: 1300, Mean: 410, Count: 30000},
			Intervals:          iv(0.5, false),
			Valid:              true,
		}},
		Faults: []result.Fault{{
			Name: "stall", Kind: "latency", Target: "worker-1", Link: "cp-w1", Direction: "downstream",
			Params: map[string]any{"latency_ms": 1000.0, "jitter_ms": 0.5, "mode": "fixed"},
			AtS:    4, ForS: 2,
			StartedAt: start.Add(4*time.Second + 2*time.Millisecond), EndedAt: start.Add(6*time.Second + 5*time.Millisecond),
		}},
		Checks:   []result.Check{{Name: "no-loss", OK: false, Counts: map[string]int64{"sent": 10000, "lost": 2, "dup": 0}, Detail: "2 lost"}},
		Recovery: []result.Recovery{{Fault: "stall", DetectionS: ptr(0.25), ConvergenceS: ptr(1.5)}},
		Gates:    []result.Gate{{Expr: "latency_us.p99 < 5000", Value: 900095, OK: false}},
		Valid:    false,
		Invalid:  []string{"workload reqrep invalid", "check no-loss failed"},
	}
}

// pairedFixture runs two patterns both through impl and over bare mangos,
// and one through impl alone, so the run has two impl/raw pairs. impl's
// tail spans decades above raw's median, as it does with a retry.
func pairedFixture() *result.Result {
	r := fixture()
	r.Scenario, r.Description = "paired", "impl beside raw"
	r.Faults, r.Checks, r.Recovery, r.Gates = nil, nil, nil, nil
	r.Valid, r.Invalid = true, nil
	w := func(name, pattern, mode string, p50, p99, p999, recv float64) result.Workload {
		lat := result.Percentiles{P50: p50, P90: p50 * 1.5, P99: p99, P999: p999, P9999: p999 * 2, Max: p999 * 3, Mean: p50 * 1.1, Count: 50000}
		return result.Workload{Name: name, Pattern: pattern, Mode: mode, Model: result.ModelOpen,
			PlannedRate: 5000, Concurrency: 8, Sent: 50000, Received: int64(recv * 10),
			SendRate: 5000, RecvRate: recv, Latency: lat, LatencyUncorrected: lat,
			Intervals: r.Workloads[1].Intervals, Valid: true}
	}
	r.Workloads = []result.Workload{
		w("tasks", "pushpull", "impl", 420, 2100, 48_000, 4990),
		w("heartbeat", "heartbeat", "impl", 150, 300, 700, 320),
		w("broadcast", "pubsub", "impl", 610, 1900, 9_500, 3990),
		w("tasks-raw", "pushpull", "raw", 300, 900, 1_500, 5000),
		w("broadcast-raw", "pubsub", "raw", 0, 0, 0, 0), // received nothing: no ratio
	}
	return r
}

// sweepFixture is one scenario at 1, 2 and 4 workers, given out of order:
// impl's throughput grows with the workers and its p99 with it, raw's
// stays flat, and a third workload exists only from 2 workers up.
func sweepFixture() []*result.Result {
	point := func(workers int) *result.Result {
		r := pairedFixture()
		r.Scenario, r.Description, r.Workers = "scaling", "tasks across 1, 2 and 4 workers", workers
		r.StartedAt = r.StartedAt.Add(time.Duration(workers) * time.Minute)
		n := float64(workers)
		r.Workloads = []result.Workload{r.Workloads[0], r.Workloads[3]}
		r.Workloads[0].RecvRate, r.Workloads[0].SendRate = 1200*n, 1200*n
		r.Workloads[0].Latency.P99 = 2000 * n * n
		if workers > 1 {
			extra := r.Workloads[1]
			extra.Name, extra.RecvRate, extra.Latency.P99 = "tasks-8k", 300*n, 40_000
			extra.Valid, extra.Invalid = false, "generator 3.0% behind plan"
			r.Workloads = append(r.Workloads, extra)
			r.Valid, r.Invalid = false, []string{"workload tasks-8k invalid"}
		}
		return r
	}
	return []*result.Result{point(2), point(4), point(1)}
}
