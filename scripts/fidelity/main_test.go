package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/nngbench/nngbench/internal/stats"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The whole benchmark with tiny counts: both programs build, every comparison runs, and
// fidelity.json holds a figure and a ratio for each. Speed is the benchmark's business, not this
// test's: it checks the plumbing.
func TestSmoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	o := options{out: t.TempDir(), rounds: 1, size: 1024, thrCount: 2000, latCount: 200,
		warmup: 0, thrWindow: 200 * time.Millisecond, latWindow: 200 * time.Millisecond,
		proxyRounds: 1, proxyWindow: 200 * time.Millisecond, timeout: 30 * time.Second}
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := run(ctx, o, &table); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(o.out, "fidelity.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f fidelity
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]float64{
		"perf throughput": stats.Median(f.Throughput.Perf), "push/pull ratio": f.Throughput.PushPullRatio.Median,
		"pair ratio": f.Throughput.PairRatio.Median, "perf round trip": stats.Median(f.RoundTrip.PerfUS),
		"round-trip ratio": f.RoundTrip.Ratio.Median, "toxiproxy round-trip ratio": f.Toxiproxy.RoundTripRatio.Median,
		"toxiproxy throughput ratio": f.Toxiproxy.ThroughputRatio.Median,
	} {
		if !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("%s = %v, want a figure", name, v)
		}
	}
	// The flat summary, under the names scripts/benchreport reads.
	var flat map[string]any
	if err := json.Unmarshal(b, &flat); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"throughput_ratio", "nngbench_msgs_per_s", "perf_msgs_per_s", "roundtrip_ratio",
		"nngbench_roundtrip_us", "perf_roundtrip_us"} {
		if v, _ := flat[k].(float64); !(v > 0) {
			t.Errorf("%s = %v, want a figure", k, flat[k])
		}
	}
	cost, _ := flat["toxiproxy_cost"].(map[string]any)
	for _, k := range []string{"throughput_ratio", "direct_msgs_per_s", "proxied_msgs_per_s", "roundtrip_ratio",
		"direct_roundtrip_us", "proxied_roundtrip_us"} {
		if v, _ := cost[k].(float64); !(v > 0) {
			t.Errorf("toxiproxy_cost.%s = %v, want a figure", k, cost[k])
		}
	}
	if flat["payload"] != "1KiB" || flat["transport"] != "tcp" {
		t.Errorf("payload %v, transport %v; want 1KiB over tcp", flat["payload"], flat["transport"])
	}
	if f.Schema != "nngbench/fidelity/v1" || f.Mangos == "" || f.Mangos == "unknown" {
		t.Errorf("schema %q, mangos %q", f.Schema, f.Mangos)
	}
	for _, row := range []string{"throughput push/pull", "round trip req/rep", "toxiproxy req/rep"} {
		if !strings.Contains(table.String(), row) {
			t.Errorf("table has no %q row:\n%s", row, table.String())
		}
	}
}

// Each tool's figure is read from what it prints; output without one is an error, not a zero.
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		out, pattern string
		want         float64
	}{
		{"message size: 1024 [B]\nmessage count: 300000\nthroughput: 281498 [msg/s]\nthroughput: 2306.038 [Mb/s]\n", `throughput: (\d+) \[msg/s\]`, 281498},
		{"message size: 1024 [B]\nround trip count: 20000\naverage RTT: 67.748 [us]\n", `average RTT: ([0-9.]+) \[us\]`, 67.748},
	} {
		got, err := parse(tc.out, tc.pattern)
		if err != nil || got != tc.want {
			t.Errorf("parse(%q) = %v, %v; want %v", tc.out, got, err, tc.want)
		}
	}
	if _, err := parse("Bad Usage!\n", `average RTT: ([0-9.]+) \[us\]`); !errors.Is(err, errNoFigure) {
		t.Errorf("no figure: %v, want errNoFigure", err)
	}
}

// Ratios pair the runs of one round and take the median, and compare the best runs; rounds
// without a figure are left out.
func TestRatios(t *testing.T) {
	for _, tc := range []struct {
		name     string
		num, den []float64
		best     func([]float64) float64
		want     ratio
	}{
		{"odd", []float64{90, 100, 120}, []float64{100, 100, 100}, slices.Max[[]float64], ratio{Median: 1, Min: 0.9, Max: 1.2, Best: 1.2}},
		{"even", []float64{1, 3}, []float64{1, 1}, slices.Max[[]float64], ratio{Median: 2, Min: 1, Max: 3, Best: 3}},
		{"no denominator", []float64{5, 6}, []float64{0, 3}, slices.Max[[]float64], ratio{Median: 2, Min: 2, Max: 2, Best: 2}},
		{"shortest round trips", []float64{60, 80}, []float64{50, 40}, minPositive, ratio{Median: 1.6, Min: 1.2, Max: 2, Best: 1.5}},
		{"none", nil, nil, slices.Max[[]float64], ratio{}},
	} {
		if got := ratios(tc.num, tc.den, tc.best); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// Bad flags are refused before anything is built.
func TestOptionsRefused(t *testing.T) {
	good := options{rounds: 1, size: 1024, thrCount: 1, latCount: 1, thrWindow: 1, latWindow: 1, proxyWindow: 1, timeout: 1}
	if err := good.validate(); err != nil {
		t.Fatalf("good options: %v", err)
	}
	for name, mutate := range map[string]func(*options){
		"no rounds":       func(o *options) { o.rounds = 0 },
		"below a stamp":   func(o *options) { o.size = 16 },
		"no count":        func(o *options) { o.thrCount = 0 },
		"no window":       func(o *options) { o.latWindow = 0 },
		"negative warmup": func(o *options) { o.warmup = -1 },
	} {
		o := good
		mutate(&o)
		if o.validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
