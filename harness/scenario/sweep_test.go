package scenario_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/harness/scenario"
)

// rateHead has an open-loop workload of each mode and a closed-loop one;
// it takes lines 1-7, so a case's own lines start at 8.
const rateHead = `name: x
workers: 2
duration: 1s
workloads:
  - {name: a, pattern: reqrep, mode: raw, rate: 100/s, service_time: 1ms}
  - {name: b, pattern: pushpull, rate: 200/s}
  - {name: c, pattern: pushpull, concurrency: 4}
`

func TestRateSweepParse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, yaml string
		want       scenario.RateSweep
	}{
		{"list of every open-loop workload", "sweep: {rate: [1000, 2000/s, 5e3]}\n",
			scenario.RateSweep{Rates: []float64{1000, 2000, 5000}, Workloads: []string{"a", "b"}}},
		{"search with a selector", "sweep:\n  rate: auto\n  slo: \"p99 < 5ms\"\n  workload: b\n  start: 500/s\n",
			scenario.RateSweep{Auto: true, SLO: []scenario.Gate{{Expr: "p99 < 5ms"}}, Workloads: []string{"b"},
				Start: 500, MaxSteps: scenario.DefaultMaxSteps}},
		{"search, list of objectives", "sweep: {rate: auto, max_steps: 5, slo: [\"p99 < 5ms\", \"a.lost == 0\"], workload: [a, b]}\n",
			scenario.RateSweep{Auto: true, SLO: []scenario.Gate{{Expr: "p99 < 5ms"}, {Expr: "a.lost == 0"}},
				Workloads: []string{"a", "b"}, MaxSteps: 5}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, err := scenario.Parse("x.yaml", []byte(rateHead+c.yaml))
			if err != nil {
				t.Fatal(err)
			}
			got := withoutLines(s).Rates
			if got == nil || !reflect.DeepEqual(*got, c.want) {
				t.Fatalf("Rates = %+v, want %+v", got, c.want)
			}
			if s.Workers != 2 || s.Workloads[0].ServiceTime.String() != "1ms" {
				t.Errorf("workers %d, service time %v", s.Workers, s.Workloads[0].ServiceTime)
			}
			checkRoundTrip(t, s)
		})
	}
}

func TestRateSweepErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, yaml, want string }{
		{"both sweeps", "sweep: {workers: [1, 2], rate: [1, 2]}\n",
			"x.yaml:8: sweep.workers: sweep.rate is given too: a sweep varies the worker count or the rate, one at a time"},
		{"one rate", "sweep: {rate: [10]}\n", "x.yaml:8: sweep.rate: a sweep needs at least two rates (or auto to search)"},
		{"decreasing", "sweep:\n  rate: [10, 5]\n", "x.yaml:9: sweep.rate[1]: must be above the rate before it (10/s): list rates in increasing order"},
		{"not auto", "sweep: {rate: fast}\n", `x.yaml:8: sweep.rate: expected auto or a list of rates, got "fast"`},
		{"zero rate", "sweep: {rate: [0, 5]}\n", "x.yaml:8: sweep.rate[0]: must be > 0"},
		{"slo without rate", "sweep: {slo: \"p99 < 1ms\"}\n", "x.yaml:8: sweep.rate: required with sweep.slo: a list of rates, or auto to search"},
		{"start of a list", "sweep: {rate: [1, 2], start: 5}\n", "x.yaml:8: sweep.start: only for rate: auto (a search)"},
		{"max_steps bound", "sweep: {rate: auto, max_steps: 1}\n", "x.yaml:8: sweep.max_steps: must be between 2 and 64"},
		{"unknown workload", "sweep: {rate: auto, workload: z}\n", `x.yaml:8: sweep.workload: no workload "z" in the scenario (it has a, b or c)`},
		{"closed-loop workload", "sweep:\n  rate: auto\n  workload: [a, c]\n",
			"x.yaml:10: sweep.workload[1]: workload c is closed loop (concurrency): only an open-loop workload has a rate to sweep"},
		{"objective of another workload", "sweep:\n  rate: auto\n  workload: a\n  slo: \"b.p99 < 1ms\"\n",
			"x.yaml:11: sweep.slo: names no swept workload (a): an objective judges the workloads the sweep sets the rate of"},
		{"empty objective", "sweep: {rate: auto, slo: \" \"}\n", "x.yaml:8: sweep.slo: empty objective"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := scenario.Parse("x.yaml", []byte(rateHead+c.yaml))
			if err == nil {
				t.Fatal("parsed without error")
			}
			if err.Error() != c.want {
				t.Errorf("got  %s\nwant %s", err, c.want)
			}
			checkAllErrors(t, err)
		})
	}
}

func TestServiceTimeOnlyRawReqRep(t *testing.T) {
	t.Parallel()
	_, err := scenario.Parse("x.yaml", []byte("name: x\nduration: 1s\nworkloads:\n  - {pattern: reqrep, rate: 1/s, service_time: 1ms}\n"))
	want := "x.yaml:4: workloads[0].service_time: only for pattern reqrep in mode raw (bare repliers), not reqrep in mode impl"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestObjectivesAndAtRates(t *testing.T) {
	t.Parallel()
	s, err := scenario.Parse("x.yaml", []byte(rateHead+
		"sweep: {rate: auto, slo: [\"p99.9 < 5ms\", \"recv_rate >= 0.99 * send_rate\", \"b.p50 < 1ms\"]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range s.Rates.Objectives("a") {
		got = append(got, g.Expr)
	}
	want := []string{"a.p99.9 < 5ms", "a.recv_rate >= 0.99 * a.send_rate"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Objectives(a) = %q, want %q", got, want)
	}
	if n := len(s.Rates.Objectives("b")); n != 3 {
		t.Errorf("Objectives(b) has %d, want 3", n)
	}
	at := s.AtRates(map[string]float64{"a": 750})
	if at.Rates != nil || at.Workloads[0].Rate.PerSecond != 750 || at.Workloads[1].Rate.PerSecond != 200 {
		t.Errorf("AtRates: sweep %v, rates %v and %v", at.Rates, at.Workloads[0].Rate, at.Workloads[1].Rate)
	}
	if s.Workloads[0].Rate.PerSecond != 100 {
		t.Error("AtRates changed the sweep's own workload")
	}
	if sum := s.Summary(); !strings.HasPrefix(sum, "search for the highest rate of a, b in at most 8 steps meeting") {
		t.Errorf("Summary = %q", sum)
	}
}
