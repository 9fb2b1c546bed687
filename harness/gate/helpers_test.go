package gate_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/gate"
	"github.com/nngbench/nngbench/harness/result"
)

// noise is a synthetic machine: each run's figures vary around a centre by
// a log-normal factor, wider in the tail, as repeated runs on a shared
// machine do.
type noise struct {
	rng   *rand.Rand
	extra float64 // µs added to every latency: the candidate's regression
}

func newNoise(seed uint64, extraUS float64) *noise {
	return &noise{rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), extra: extraUS}
}

func (n *noise) jitter(centre, sigma float64) float64 {
	return centre * math.Exp(sigma*n.rng.NormFloat64())
}

// workload draws one run of a workload with p50 around 250 µs.
func (n *noise) workload(name string) result.Workload {
	p50 := n.jitter(250, 0.05) + n.extra
	p99 := n.jitter(1500, 0.15) + n.extra
	p999 := n.jitter(4000, 0.30) + n.extra
	rate := n.jitter(1000, 0.005)
	lat := result.Percentiles{P50: p50, P90: (p50 + p99) / 2, P99: p99, P999: p999, P9999: p999 * 1.5,
		Max: p999 * 2, Mean: p50 * 1.2, Count: 5000}
	return result.Workload{Name: name, Pattern: "reqrep", Mode: "impl", Model: result.ModelOpen, PlannedRate: 1000,
		Sent: 5000, Received: 5000, SendRate: 1000, RecvRate: rate, Latency: lat, LatencyUncorrected: lat, Valid: true}
}

// run draws one run of a scenario.
func (n *noise) run(scenario string, workloads ...string) *result.Result {
	r := &result.Result{Schema: result.Schema, Scenario: scenario, Workers: 2, Transport: "tcp", Seed: 1,
		StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), DurationS: 5, WarmupS: 1,
		Machine: result.Machine{CPU: "test cpu", Cores: 2, GoVersion: "go1.26", OS: "linux", Arch: "amd64"},
		Valid:   true}
	for _, w := range workloads {
		r.Workloads = append(r.Workloads, n.workload(w))
	}
	return r
}

// runs draws k runs of a scenario, in memory.
func (n *noise) runs(k int, scenario string, workloads ...string) []gate.Run {
	out := make([]gate.Run, k)
	for i := range out {
		out[i] = gate.Run{Path: fmt.Sprintf("%s/run-%02d/result.json", scenario, i+1), Result: n.run(scenario, workloads...)}
	}
	return out
}

// writeRuns writes runs as the runner does with --repeat:
// dir/<scenario>/run-NN/result.json.
func writeRuns(t *testing.T, dir string, runs []gate.Run) {
	t.Helper()
	for i, r := range runs {
		if err := result.Write(filepath.Join(dir, r.Result.Scenario, fmt.Sprintf("run-%02d", i+1)), r.Result, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func inMemory(dir string, runs ...[]gate.Run) *gate.Runs {
	rs := &gate.Runs{Dir: dir, Scenarios: map[string][]gate.Run{}}
	for _, rr := range runs {
		for _, r := range rr {
			rs.Scenarios[r.Result.Scenario] = append(rs.Scenarios[r.Result.Scenario], r)
		}
	}
	return rs
}
