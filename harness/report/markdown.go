package report

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/nngbench/nngbench/harness/result"
)

// Markdown renders r as report.md. It reads nothing but r: no clock, no
// files, and every map is sorted, so the same r gives the same bytes.
func Markdown(r *result.Result) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# nngbench report: %s\n\n", inline(r.Scenario))
	if r.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", inline(r.Description))
	}
	writeScenario(&b, r)
	writeCluster(&b, r)
	writeWorkloads(&b, r)
	writeImplRaw(&b, r)
	writeFaults(&b, r)
	writePhases(&b, r.Workloads)
	writeChecks(&b, r.Checks)
	writeRecovery(&b, r.Recovery)
	writeGates(&b, r.Gates)
	writeFigures(&b)
	return b.Bytes()
}

func writeScenario(b *bytes.Buffer, r *result.Result) {
	m := r.Machine
	b.WriteString("## Scenario\n\n")
	rows := [][]string{
		{"Scenario", r.Scenario},
		{"Workers", fmt.Sprint(r.Workers)},
		{"Transport", r.Transport},
		{"Seed", fmt.Sprint(r.Seed)},
		{"Started", r.StartedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00")},
		{"Duration", seconds(r.DurationS)},
		{"Warmup", seconds(r.WarmupS)},
		{"CPU", m.CPU},
		{"Cores", fmt.Sprint(m.Cores)},
		{"Go", m.GoVersion},
		{"OS/arch", m.OS + "/" + m.Arch},
		{"Commit", m.Commit},
		{"Host", m.Hostname},
		{"Valid", verdict(r.Valid, strings.Join(r.Invalid, "; "))},
	}
	table(b, []string{"Field", "Value"}, rows)
}

func writeWorkloads(b *bytes.Buffer, r *result.Result) {
	b.WriteString("## Workloads\n\n")
	if len(r.Workloads) == 0 {
		b.WriteString("None.\n\n")
	}
	for _, w := range r.Workloads {
		fmt.Fprintf(b, "### %s\n\n", inline(w.Name))
		fmt.Fprintf(b, "Pattern %s, mode %s, %s, concurrency %d. Valid: %s.\n\n",
			or(w.Pattern), or(w.Mode), model(w), w.Concurrency, verdict(w.Valid, w.Invalid))
		table(b, []string{"Sent", "Received", "Send rate (msg/s)", "Recv rate (msg/s)",
			"Errors", "Timeouts", "Lost", "Duplicated", "Reordered"}, [][]string{{
			fmt.Sprint(w.Sent), fmt.Sprint(w.Received), rate(w.SendRate), rate(w.RecvRate),
			fmt.Sprint(w.Errors), fmt.Sprint(w.Timeouts), fmt.Sprint(w.Lost),
			fmt.Sprint(w.Duplicated), fmt.Sprint(w.Reordered),
		}})
		table(b, []string{"Latency (ms)", "p50", "p90", "p99", "p99.9", "p99.99", "max", "mean", "count"},
			[][]string{latencyRow("corrected", w.Latency), latencyRow("uncorrected", w.LatencyUncorrected)})
	}
}

func model(w result.Workload) string {
	switch w.Model {
	case result.ModelOpen:
		return fmt.Sprintf("open loop at %s msg/s planned", rate(w.PlannedRate))
	case result.ModelClosed:
		return "closed loop"
	default:
		return "model " + or(w.Model)
	}
}

func latencyRow(name string, p result.Percentiles) []string {
	return []string{name, ms(p.P50), ms(p.P90), ms(p.P99), ms(p.P999), ms(p.P9999),
		ms(p.Max), ms(p.Mean), fmt.Sprint(p.Count)}
}

func writeFaults(b *bytes.Buffer, r *result.Result) {
	b.WriteString("## Faults\n\n")
	if len(r.Faults) == 0 {
		b.WriteString("None.\n\n")
		return
	}
	b.WriteString("Times are seconds after the measured window starts.\n\n")
	rows := make([][]string, 0, len(r.Faults))
	for _, f := range r.Faults {
		planned := "until the end"
		if f.ForS > 0 {
			planned = seconds(f.ForS)
		}
		start, end := "not applied", "–"
		if w, ok := actualWindow(r, f); ok {
			start, end = offset(w.start), offset(w.end)
			if f.EndedAt.IsZero() {
				end = "not healed"
			}
		}
		rows = append(rows, []string{f.Name, f.Kind, or(f.Target), or(f.Link), or(f.Direction),
			params(f.Params), offset(f.AtS), planned, start, end, or(f.Error)})
	}
	table(b, []string{"Fault", "Kind", "Target", "Link", "Direction", "Params",
		"Planned start", "Planned length", "Actual start", "Actual end", "Error"}, rows)
}

// params lists a fault's parameters as k=v, sorted by key.
func params(p map[string]any) string {
	if len(p) == 0 {
		return "–"
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, p[k])
	}
	return strings.Join(parts, ", ")
}
