package result_test

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/nngbench/nngbench/harness/result"
)

func ptr(f float64) *float64 { return &f }

// sample is a result with every field set, so that a round trip that drops
// or mangles one shows.
func sample() *result.Result {
	started := time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC)
	lat := result.Percentiles{P50: 1000, P90: 1000, P99: 900095, P999: 990207, P9999: 999423, Max: 1000447, Mean: 50950.5, Count: 10000}
	return &result.Result{
		Schema:        result.Schema,
		SchemaVersion: result.SchemaVersion,
		Scenario:      "reqrep-stall",
		Description:   "a 1 s stall halfway",
		Workers:       3,
		Transport:     "tcp",
		Seed:          -42,
		StartedAt:     started,
		DurationS:     10,
		WarmupS:       2.5,
		Machine: result.Machine{CPU: "AMD EPYC 7B13", Cores: 2, GoVersion: "go1.26.8", OS: "linux",
			Arch: "amd64", Commit: "0123abcd-dirty", Hostname: "bench-1"},
		Workloads: []result.Workload{{
			Name: "reqrep", Pattern: "reqrep", Mode: "tcp", Model: result.ModelOpen, PlannedRate: 1000, Concurrency: 4,
			Sent: 10000, Received: 9998, Errors: 1, Timeouts: 2, Lost: 2, Duplicated: 1, Reordered: 5,
			SendRate: 1000, RecvRate: 999.8, BytesPerS: 63987.2,
			Latency: lat, LatencyUncorrected: result.Percentiles{P50: 1000, P90: 1000, P99: 1000, P999: 1000, P9999: 1000, Max: 1000447, Mean: 1099.9, Count: 10000},
			Lag:       result.Percentiles{Max: 999423, Mean: 49.95, Count: 10000},
			Intervals: []result.Interval{{TS: 0, Sent: 1000, Received: 999, P50US: 1000, P99US: 1000, MaxUS: 1000}, {TS: 1, Sent: 1000, Received: 1000, P50US: 1000, P99US: 1003, MaxUS: 1_000_447}},
			Phases: []result.Phase{
				{Fault: "stall", Phase: result.PhaseBefore, Latency: result.Percentiles{P50: 1000, Count: 5000}},
				{Fault: "stall", Phase: result.PhaseDuring, Latency: lat},
			},
			Valid: false, Invalid: "generator 2.0% behind plan",
		}, {
			Name: "pubsub.fanout-3", Pattern: "pubsub", Mode: "inproc", Model: result.ModelClosed, Valid: true,
			Intervals: []result.Interval{},
		}},
		Faults: []result.Fault{{
			Name: "stall", Kind: "latency", Target: "worker-1", Link: "cp-w1", Direction: "downstream",
			Params: map[string]any{"latency_ms": 1000.0, "jitter_ms": 0.5, "mode": "fixed", "on": true},
			AtS:    5, ForS: 1,
			StartedAt: started.Add(5 * time.Second), EndedAt: started.Add(6*time.Second + time.Millisecond),
		}, {
			Name: "kill-w2", Kind: "kill", Params: map[string]any{}, Error: "process already gone",
		}},
		Checks:   []result.Check{{Name: "no-loss", OK: false, Counts: map[string]int64{"lost": 2, "sent": 10000}, Detail: "2 lost"}},
		Recovery: []result.Recovery{{Fault: "stall", DetectionS: ptr(0.25), ConvergenceS: ptr(1.5)}, {Fault: "kill-w2"}},
		Gates:    []result.Gate{{Expr: "latency_us.p99 < 5000", Value: 900095, OK: false, Detail: "stall"}},
		Valid:    false,
		Invalid:  []string{"workload reqrep invalid", "check no-loss failed"},
	}
}

// stallHistograms is the corrected/uncorrected pair of a 1 s stall at
// 1000/s, in microseconds.
func stallHistograms() (corrected, uncorrected *hdrhistogram.Histogram) {
	corrected = hdrhistogram.New(1, 60_000_000, 3)
	uncorrected = hdrhistogram.New(1, 60_000_000, 3)
	for range 9000 {
		_ = corrected.RecordValue(1000)
		_ = uncorrected.RecordValue(1000)
	}
	_ = corrected.RecordCorrectedValue(1_000_000, 1000)
	_ = uncorrected.RecordValue(1_000_000)
	return corrected, uncorrected
}
