package report

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nngbench/nngbench/harness/result"
)

// writePhases tables each workload's latency before, during and after each
// fault; nothing when no workload has phases.
func writePhases(b *bytes.Buffer, ws []result.Workload) {
	var rows [][]string
	for _, w := range ws {
		for _, p := range w.Phases {
			l := p.Latency
			rows = append(rows, []string{w.Name, p.Fault, p.Phase, ms(l.P50), ms(l.P99), ms(l.Max), strconv.FormatInt(l.Count, 10)})
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("## Latency by fault phase\n\nCorrected latency (ms) of the messages received before, during and after each fault, by whole 1-s intervals (two significant digits).\n\n")
	table(b, []string{"Workload", "Fault", "Phase", "p50", "p99", "max", "count"}, rows)
}

func writeChecks(b *bytes.Buffer, checks []result.Check) {
	b.WriteString("## Checks\n\n")
	if len(checks) == 0 {
		b.WriteString("None.\n\n")
		return
	}
	rows := make([][]string, 0, len(checks))
	for _, c := range checks {
		rows = append(rows, []string{c.Name, passFail(c.OK), counts(c.Counts), or(c.Detail)})
	}
	table(b, []string{"Check", "Result", "Counts", "Detail"}, rows)
}

// counts lists a check's counts as k=v, sorted by key.
func counts(m map[string]int64) string {
	if len(m) == 0 {
		return "–"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func writeRecovery(b *bytes.Buffer, rec []result.Recovery) {
	if len(rec) == 0 {
		return
	}
	b.WriteString("## Recovery\n\nSeconds: detection after the fault started, migration after the target went offline, " +
		"convergence and performance after the fault was healed; – where it does not apply.\n\n")
	rows := make([][]string, 0, len(rec))
	for _, r := range rec {
		rows = append(rows, []string{r.Fault, optSeconds(r.DetectionS), optSeconds(r.MigrationS),
			optSeconds(r.ConvergenceS), optSeconds(r.PerformanceS)})
	}
	table(b, []string{"Fault", "Detection", "Migration", "Convergence", "Performance"}, rows)
}

func writeGates(b *bytes.Buffer, gates []result.Gate) {
	if len(gates) == 0 {
		return
	}
	b.WriteString("## Gates\n\n")
	rows := make([][]string, 0, len(gates))
	for _, g := range gates {
		rows = append(rows, []string{"`" + g.Expr + "`", num(g.Value), passFail(g.OK), or(g.Detail)})
	}
	table(b, []string{"Gate", "Value", "Result", "Detail"}, rows)
}

func writeFigures(b *bytes.Buffer) {
	b.WriteString("## Figures\n\n")
	b.WriteString("Percentile spectrum, every step of each .hgrm distribution (corrected solid, uncorrected dashed):\n\n")
	fmt.Fprintf(b, "![Latency by percentile](%s)\n\n", PercentilesFile)
	b.WriteString("Latency per interval (p50, p99, max), fault windows shaded:\n\n")
	fmt.Fprintf(b, "![Latency over time](%s)\n\n", LatencyFile)
	b.WriteString("Throughput per interval (sent, received), fault windows shaded:\n\n")
	fmt.Fprintf(b, "![Throughput over time](%s)\n\n", ThroughputFile)
	fmt.Fprintf(b, "Every operation from the history (time against latency, coloured by outcome; a lane per fault; "+
		"beyond %d ok operations a workload draws its slowest quarter and an even sample of the rest, and every error and timeout):\n\n", MaxRawOK)
	fmt.Fprintf(b, "![Every operation](%s)\n", RawFile)
}
