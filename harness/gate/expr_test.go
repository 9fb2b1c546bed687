package gate_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/harness/gate"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
)

// fixture is a run with three workloads whose figures the cases below
// reason about: reqrep's p99 is 12 ms, pubsub received 98% of what it sent.
func fixture() *result.Result {
	lat := func(p50, p99 float64, n int64) result.Percentiles {
		return result.Percentiles{P50: p50, P90: p50 * 2, P99: p99, P999: p99 * 2, P9999: p99 * 3,
			Max: p99 * 4, Mean: p50 + 80, Count: n}
	}
	return &result.Result{
		Schema: result.Schema, Scenario: "fixture", Valid: true,
		Workloads: []result.Workload{
			{Name: "reqrep", Model: result.ModelOpen, Sent: 1000, Received: 1000, Timeouts: 2,
				SendRate: 100, RecvRate: 100, BytesPerS: 3 << 20,
				Latency: lat(800, 12_000, 1000), LatencyUncorrected: lat(700, 9_000, 1000), Lag: lat(5, 40, 1000), Valid: true},
			{Name: "pubsub", Model: result.ModelOpen, Sent: 1000, Received: 980, Lost: 20,
				SendRate: 1000, RecvRate: 980, Latency: lat(300, 2_000, 980), Valid: true},
			{Name: "pushpull-2", Model: result.ModelClosed, Sent: 50, Received: 50, Duplicated: 1,
				SendRate: 50, RecvRate: 50, Valid: true}, // no latency samples
			{Name: "broken", Model: result.ModelOpen, Latency: lat(1, 1, 1), Invalid: "generator fell behind"},
		},
	}
}

// TestEval: well-formed gates and their verdicts on the fixture.
func TestEval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr      string
		ok        bool
		value     float64 // in unit: the expression's constant's, else the figure's own
		unit      string
		detail    string // a substring of the Detail
		workloads string
	}{
		{"reqrep.p99 < 50ms", true, 12, "ms", "reqrep.p99 = 12ms, < 50ms", "reqrep"},
		{"reqrep.p99 < 10ms", false, 12, "ms", "reqrep.p99 = 12ms, not < 10ms", "reqrep"},
		{"reqrep.p99 <= 12000us", true, 12_000, "us", "", "reqrep"},
		{"reqrep.p99 <= 12000µs", true, 12_000, "us", "", "reqrep"},
		{"reqrep.p99.9 < 0.024s", false, 0.024, "s", "", "reqrep"},
		{"reqrep.p999 > 23999999ns", true, 24_000_000, "ns", "", "reqrep"},
		{"reqrep.p9999 == 36ms", true, 36, "ms", "", "reqrep"},
		{"reqrep.max >= 48ms", true, 48, "ms", "", "reqrep"},
		{"reqrep.p50 != 800us", false, 800, "us", "", "reqrep"},
		{"reqrep.p90 == 1.6ms", true, 1.6, "ms", "", "reqrep"},
		{"reqrep.mean < 1ms", true, 0.88, "ms", "", "reqrep"},
		{"reqrep.p99_uncorrected < 10ms", true, 9, "ms", "", "reqrep"},
		{"reqrep.lag_p99 < 50us", true, 40, "us", "", "reqrep"},
		{"50ms > reqrep.p99", true, 12, "ms", "50ms, > reqrep.p99 = 12ms", "reqrep"},
		{"reqrep.timeouts == 0", false, 2, "count", "reqrep.timeouts = 2, not == 0", "reqrep"},
		{"pubsub.lost == 0", false, 20, "count", "", "pubsub"},
		{"pubsub.lost <= 2% * pubsub.sent", true, 20, "count", "", "pubsub"},
		{"pubsub.lost < 2% * pubsub.sent", false, 20, "count", "not < 2% * pubsub.sent = 20", "pubsub"},
		{"pubsub.recv_rate >= 0.99 * pubsub.send_rate", false, 980, "/s", "pubsub.recv_rate = 980/s, not >= 0.99 * pubsub.send_rate = 990/s", "pubsub"},
		{"pubsub.recv_rate >= 0.98*pubsub.send_rate", true, 980, "/s", "", "pubsub"},
		{"pubsub.recv_rate >= 0.5 * 2 * pubsub.send_rate", false, 980, "/s", "", "pubsub"},
		{"pubsub.send_rate * 0.98 <= pubsub.recv_rate", true, 980, "/s", "", "pubsub"},
		{"pubsub.received > 900", true, 980, "count", "", "pubsub"},
		{"pubsub.recv_rate >= 1e3/s", false, 980, "/s", "", "pubsub"},
		{"pubsub.recv_rate >= 58800/min", true, 58800, "/min", "", "pubsub"},
		{"reqrep.p99 < pubsub.p99", false, 12_000, "us", "reqrep.p99 = 12ms, not < pubsub.p99 = 2ms", "reqrep pubsub"},
		{"reqrep.bytes_per_s >= 3MiB/s", true, 3, "MiB/s", "reqrep.bytes_per_s = 3MiB/s", "reqrep"},
		{"reqrep.bytes_per_s > 3MiB", false, 3, "MiB/s", "", "reqrep"},
		{"reqrep.bytes_per_s > 1000", true, 3 << 20, "B/s", "", "reqrep"},
		{"pushpull-2.duplicated == 0", false, 1, "count", "", "pushpull-2"},
		{"pushpull-2.received == pushpull-2.sent", true, 50, "count", "", "pushpull-2"},
		// Figures that cannot prove anything fail, and say why.
		{"pushpull-2.p99 < 1s", false, 0, "", "pushpull-2.p99: workload pushpull-2 has no latency samples", "pushpull-2"},
		{"nosuch.p99 < 1s", false, 0, "", `no workload "nosuch" in the result (it has reqrep, pubsub, pushpull-2, broken)`, "nosuch"},
		{"broken.p99 < 1s", false, 0, "", "marked invalid (generator fell behind)", "broken"},
		{"1s > nosuch.p99", false, 0, "", "no workload", "nosuch"},
		{"reqrep.p99 < nosuch.p99", false, 0, "", "no workload", "reqrep nosuch"},
	}
	r := fixture()
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			e, err := gate.Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if e.String() != tt.expr {
				t.Errorf("String() = %q", e.String())
			}
			if got := strings.Join(e.Workloads(), " "); got != tt.workloads {
				t.Errorf("Workloads() = %q, want %q", got, tt.workloads)
			}
			g := e.Eval(r)
			// The value is converted to the written unit: equal up to rounding.
			close := math.Abs(g.Value-tt.value) <= 1e-12*math.Abs(tt.value)
			if g.OK != tt.ok || !close || g.Unit != tt.unit || !strings.Contains(g.Detail, tt.detail) || g.Expr != tt.expr {
				t.Errorf("Eval = %+v, want ok %v, value %g %s, detail containing %q", g, tt.ok, tt.value, tt.unit, tt.detail)
			}
		})
	}
}

// TestParseErrors: each mistake is reported at its column, with a message
// that says what to write instead.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		col  int
		msg  string
	}{
		{"", 1, "want a metric (WORKLOAD.FIELD) or a number, found the end"},
		{"reqrep.p99", 11, "want a comparison (<, <=, >, >=, == or !=) after \"reqrep.p99\", found the end"},
		{"reqrep.p99 < ", 14, "found the end"},
		{"reqrep.p99 < 50", 14, "reqrep.p99 is a latency: give 50 a unit (us, ms or s)"},
		{"50 > reqrep.p99", 1, "give 50 a unit"},
		{"reqrep.p99 < 50 ms", 17, `unexpected "ms" after the comparison`},
		{"reqrep.p99 < 50hours", 14, `unknown unit "hours" in "50hours"`},
		{"reqrep.p98 < 50ms", 1, `unknown field "p98" (want p50, p90, p99`},
		{"reqrep.P99 < 50ms", 1, `unknown field "P99"`},
		{"Reqrep.p99 < 50ms", 1, `bad workload name "Reqrep"`},
		{"reqrep < 50ms", 1, `"reqrep" is neither a number nor WORKLOAD.FIELD (e.g. reqrep.p99)`},
		{"reqrep.p99 = 50ms", 12, `"=" is not a comparison: write ==`},
		{"reqrep.lost ! 0", 13, `"!" alone is not a comparison`},
		{"reqrep.p99 < 50ms < 60ms", 19, `unexpected "<" after the comparison`},
		{"reqrep.p99 < (50ms)", 14, "parentheses"},
		{"reqrep.p99 < 50ms;", 18, `unexpected character ';'`},
		{"reqrep.p99 <= 5KiB", 15, "cannot compare reqrep.p99 (a latency) with 5KiB (a byte rate)"},
		{"reqrep.lost == 5ms", 16, "cannot compare reqrep.lost (a count) with 5ms (a latency)"},
		{"reqrep.recv_rate > reqrep.sent", 20, "cannot compare reqrep.recv_rate (a rate) with reqrep.sent (a count)"},
		{"reqrep.p99 < 2 * reqrep.p50 * reqrep.p50", 31, "only constants may multiply a metric"},
		{"reqrep.sent * 2ms > 1s", 15, "cannot multiply a count by a latency"},
		{"50ms < 60ms", 1, "compares two constants"},
		{"reqrep.p99 * < 5ms", 14, `want a metric (WORKLOAD.FIELD) or a number, found "<"`},
		{"reqrep.p99 < 1e999ms", 14, "not a finite number"},
		{"reqrep.p99 < 1e305s", 14, "too large"},
		{"reqrep.p99 < 5e", 14, `unknown unit "e"`},
		{"x.p99 < 5ms µ", 13, `unexpected "µ"`},
		{"reqrep.p99 == .", 15, `"." is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			_, err := gate.Parse(tt.expr)
			var se *gate.SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, gate.ErrSyntax) {
				t.Fatalf("Parse(%q) = %v, want a *SyntaxError", tt.expr, err)
			}
			if se.Col != tt.col || !strings.Contains(se.Msg, tt.msg) || se.Expr != tt.expr {
				t.Errorf("Parse(%q) = col %d: %s\nwant col %d: ...%s...", tt.expr, se.Col, se.Msg, tt.col, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "gate \""+tt.expr+"\": col ") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

// TestEvaluate: the runner's entry point keeps the order and turns a
// gate that does not parse into a failed gate.
func TestEvaluate(t *testing.T) {
	t.Parallel()
	got := gate.Evaluate(fixture(), []scenario.Gate{
		{Expr: "reqrep.p99 < 50ms", Line: 3},
		{Expr: "reqrep.p99 < 50", Line: 4},
		{Expr: "pubsub.lost == 0", Line: 5},
	})
	if len(got) != 3 {
		t.Fatalf("got %d gates, want 3", len(got))
	}
	if !got[0].OK || got[1].OK || got[2].OK {
		t.Errorf("verdicts %v %v %v, want true false false", got[0].OK, got[1].OK, got[2].OK)
	}
	if want := "col 14: reqrep.p99 is a latency: give 50 a unit (us, ms or s)"; got[1].Detail != want {
		t.Errorf("detail of a bad gate = %q, want %q", got[1].Detail, want)
	}
	if n := gate.Failed(got); n != 2 {
		t.Errorf("Failed = %d, want 2", n)
	}
	if n := gate.Failed(nil); n != 0 {
		t.Errorf("Failed(nil) = %d", n)
	}
	r := fixture()
	r.Gates = got
	if err := r.Validate(); err != nil {
		t.Errorf("the gates do not fit result.json: %v", err)
	}
}

// TestCheck: problems come out in scenario's FILE:LINE: gates[i]: form,
// unknown workloads included, one message per workload.
func TestCheck(t *testing.T) {
	t.Parallel()
	s := &scenario.Scenario{
		File:      "s.yaml",
		Workloads: []scenario.Workload{{Name: "cmds"}, {Name: "pushpull"}},
		Gates: []scenario.Gate{
			{Expr: "cmds.p99 < 50ms", Line: 10},
			{Expr: "reqrep.p99 < 50ms", Line: 11},
			{Expr: "pushpull.lost == 0", Line: 12},
			{Expr: "cmds.p99 < 50", Line: 13},
			{Expr: "x.recv_rate >= 0.99 * x.send_rate", Line: 14},
		},
	}
	err := gate.Check(s)
	want := []string{
		`s.yaml:11: gates[1]: col 1: no workload "reqrep" in the scenario (it has cmds, pushpull)`,
		`s.yaml:13: gates[3]: col 12: cmds.p99 is a latency: give 50 a unit (us, ms or s)`,
		`s.yaml:14: gates[4]: col 1: no workload "x" in the scenario (it has cmds, pushpull)`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Fatalf("Check =\n%v\nwant\n%s", err, strings.Join(want, "\n"))
	}
	var se *scenario.Error
	if !errors.As(err, &se) || se.Line != 11 || se.Field != "gates[1]" {
		t.Errorf("not a *scenario.Error at line 11: %#v", se)
	}
	s.Gates = s.Gates[:1]
	if err := gate.Check(s); err != nil {
		t.Errorf("Check of good gates = %v", err)
	}
}

// TestCheckScenarioFile: the gates of the schema's full example check.
func TestCheckScenarioFile(t *testing.T) {
	t.Parallel()
	s, err := scenario.Load("../scenario/testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Gates) == 0 {
		t.Fatal("full.yaml has no gates to check")
	}
	if err := gate.Check(s); err != nil {
		t.Error(err)
	}
}

// FuzzParse: Parse never panics, and whatever it accepts evaluates and
// names its workloads.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"reqrep.p99 < 50ms", "a.lost == 0", "p.recv_rate >= 0.99 * p.send_rate",
		"x.p99.9<=1e3us", "1 > 2", "a.p99 < 5µs", "a.bytes_per_s >= 10MiB/s"} {
		f.Add(s)
	}
	r := fixture()
	f.Fuzz(func(t *testing.T, s string) {
		e, err := gate.Parse(s)
		if err != nil {
			if !errors.Is(err, gate.ErrSyntax) {
				t.Fatalf("error without ErrSyntax: %v", err)
			}
			return
		}
		if len(e.Workloads()) == 0 {
			t.Fatalf("%q parsed without naming a workload", s)
		}
		if g := e.Eval(r); g.Detail == "" {
			t.Fatalf("%q evaluated without a detail", s)
		}
	})
}
