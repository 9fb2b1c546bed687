package result

import (
	"strings"
	"time"
)

// The v1 layout, as nngbench wrote it before SchemaVersion 2: the same
// record with the units in the parents' names (latency_us.p99), bare rate
// names, a check's wait among its counts (wait_ms) and gate values in
// result.json's base units with no unit beside them. Only Read uses these
// types: it decodes a v1 file into them and upgrades it to a Result.

type v1Result struct {
	Schema      string       `json:"schema"`
	Scenario    string       `json:"scenario"`
	Description string       `json:"description,omitempty"`
	Workers     int          `json:"workers"`
	Transport   string       `json:"transport"`
	Seed        int64        `json:"seed"`
	StartedAt   time.Time    `json:"started_at"`
	DurationS   float64      `json:"duration_s"`
	WarmupS     float64      `json:"warmup_s"`
	Machine     Machine      `json:"machine"`
	Workloads   []v1Workload `json:"workloads"`
	Faults      []Fault      `json:"faults"`
	Checks      []v1Check    `json:"checks"`
	Recovery    []Recovery   `json:"recovery"`
	Gates       []v1Gate     `json:"gates"`
	Valid       bool         `json:"valid"`
	Invalid     []string     `json:"invalid,omitempty"`
}

type v1Workload struct {
	Name               string        `json:"name"`
	Pattern            string        `json:"pattern"`
	Mode               string        `json:"mode"`
	Model              string        `json:"model"`
	PlannedRate        float64       `json:"planned_rate"`
	Concurrency        int           `json:"concurrency"`
	Sent               int64         `json:"sent"`
	Received           int64         `json:"received"`
	Errors             int64         `json:"errors"`
	Timeouts           int64         `json:"timeouts"`
	Lost               int64         `json:"lost"`
	Duplicated         int64         `json:"duplicated"`
	Reordered          int64         `json:"reordered"`
	SendRate           float64       `json:"send_rate"`
	RecvRate           float64       `json:"recv_rate"`
	BytesPerS          float64       `json:"bytes_per_s"`
	Latency            v1Percentiles `json:"latency_us"`
	LatencyUncorrected v1Percentiles `json:"latency_uncorrected_us"`
	Lag                v1Percentiles `json:"generator_lag_us"`
	Intervals          []Interval    `json:"intervals"`
	Phases             []v1Phase     `json:"phases,omitempty"`
	Valid              bool          `json:"valid"`
	Invalid            string        `json:"invalid,omitempty"`
}

type v1Percentiles struct {
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	P9999 float64 `json:"p9999"`
	Max   float64 `json:"max"`
	Mean  float64 `json:"mean"`
	Count int64   `json:"count"`
}

type v1Phase struct {
	Fault   string        `json:"fault"`
	Phase   string        `json:"phase"`
	Latency v1Percentiles `json:"latency_us"`
}

type v1Check struct {
	Name   string           `json:"name"`
	OK     bool             `json:"ok"`
	Counts map[string]int64 `json:"counts"`
	Detail string           `json:"detail,omitempty"`
}

type v1Gate struct {
	Expr   string  `json:"expr"`
	Value  float64 `json:"value"`
	OK     bool    `json:"ok"`
	Detail string  `json:"detail,omitempty"`
}

// upgrade is r in the current layout. Nothing is lost: every v1 figure has
// its v2 field. Two things v1 did not record stay as v1 had them: gate
// values are in the base units (Unit says which), and an impl reqrep
// workload's recv_bytes_per_s counts the replies' bytes, not the requests'.
func (r *v1Result) upgrade() *Result {
	out := &Result{
		Schema: Schema, SchemaVersion: SchemaVersion, Scenario: r.Scenario, Description: r.Description,
		Workers: r.Workers, Transport: r.Transport, Seed: r.Seed, StartedAt: r.StartedAt,
		DurationS: r.DurationS, WarmupS: r.WarmupS, Machine: r.Machine,
		Faults: r.Faults, Recovery: r.Recovery, Valid: r.Valid, Invalid: r.Invalid,
	}
	if r.Workloads != nil {
		out.Workloads = make([]Workload, len(r.Workloads))
		for i := range r.Workloads {
			out.Workloads[i] = r.Workloads[i].upgrade()
		}
	}
	if r.Checks != nil {
		out.Checks = make([]Check, len(r.Checks))
		for i, c := range r.Checks {
			out.Checks[i] = UpgradeV1Check(Check{Name: c.Name, OK: c.OK, Counts: c.Counts, Detail: c.Detail})
		}
	}
	if r.Gates != nil {
		out.Gates = make([]Gate, len(r.Gates))
		for i, g := range r.Gates {
			out.Gates[i] = Gate{Expr: g.Expr, Value: g.Value, Unit: v1GateUnit(g), OK: g.OK, Detail: g.Detail}
		}
	}
	return out
}

func (w *v1Workload) upgrade() Workload {
	out := Workload{
		Name: w.Name, Pattern: w.Pattern, Mode: w.Mode, Model: w.Model, PlannedRate: w.PlannedRate,
		Concurrency: w.Concurrency, Sent: w.Sent, Received: w.Received, Errors: w.Errors, Timeouts: w.Timeouts,
		Lost: w.Lost, Duplicated: w.Duplicated, Reordered: w.Reordered,
		SendRate: w.SendRate, RecvRate: w.RecvRate, BytesPerS: w.BytesPerS,
		Latency: Percentiles(w.Latency), LatencyUncorrected: Percentiles(w.LatencyUncorrected), Lag: Percentiles(w.Lag),
		Intervals: w.Intervals, Valid: w.Valid, Invalid: w.Invalid,
	}
	if w.Phases != nil {
		out.Phases = make([]Phase, len(w.Phases))
		for i, p := range w.Phases {
			out.Phases[i] = Phase{Fault: p.Fault, Phase: p.Phase, Latency: Percentiles(p.Latency)}
		}
	}
	return out
}

// v1WaitKey is where v1 kept a check's wait, in milliseconds.
const v1WaitKey = "wait_ms"

// UpgradeV1Check moves a v1 check's wait (counts.wait_ms) to WaitS; other
// checks come back as they are. For readers of v1 records kept elsewhere,
// such as the result skeleton in an older history.
func UpgradeV1Check(c Check) Check {
	ms, ok := c.Counts[v1WaitKey]
	if !ok {
		return c
	}
	counts := make(map[string]int64, len(c.Counts)-1)
	for k, v := range c.Counts {
		if k != v1WaitKey {
			counts[k] = v
		}
	}
	c.Counts = counts
	s := float64(ms) / 1000
	c.WaitS = &s
	return c
}

// v1GateUnit is the unit v1 held a gate's value in: result.json's base
// unit of the first figure the expression names (v1 kept the value of the
// first side naming one). "" when the gate measured nothing.
func v1GateUnit(g v1Gate) string {
	if g.Value == 0 && !g.OK && g.Detail != "" && !strings.Contains(g.Detail, " = ") {
		return "" // it did not parse or read: nothing was measured
	}
	for word := range strings.FieldsSeq(g.Expr) {
		dot := strings.IndexByte(word, '.')
		if dot <= 0 || dot+1 >= len(word) || word[dot+1] >= '0' && word[dot+1] <= '9' {
			continue // not WORKLOAD.FIELD
		}
		switch word[dot+1:] {
		case "sent", "received", "errors", "timeouts", "lost", "duplicated", "reordered":
			return "count"
		case "send_rate", "recv_rate":
			return "/s"
		case "bytes_per_s":
			return "B/s"
		}
		return "us"
	}
	return ""
}
