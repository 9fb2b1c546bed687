package main

import (
	"fmt"
	"io"

	"github.com/nngbench/nngbench/internal/stats"
)

// openLoopTarget is the share of the closed-loop maximum the open-loop
// generator should keep its plan at (issue 13).
const openLoopTarget = 0.90

// openLoopCases are harness/load's BenchmarkOpenLoop sub-benchmarks, by
// pattern and payload.
var openLoopCases = []struct{ pattern, label string }{
	{"pushpull", "push/pull"},
	{"pair", "pair"},
}

// writeOpenLoop writes the section on the open-loop generator
// (BenchmarkOpenLoop): per pattern and size, the closed-loop maximum, the
// highest planned rate the generator kept within 1% of, and their ratio;
// a note when the benchmark is not in the input.
func writeOpenLoop(w io.Writer, samples map[string]map[string][]float64) {
	fmt.Fprintf(w, "## Open-loop generator beside the closed loop\n\n")
	type row struct {
		label, size         string
		closed, open, ratio float64
		runs                int
	}
	var rows []row
	for _, c := range openLoopCases {
		for _, size := range sizes {
			m := samples["OpenLoop/"+c.pattern+"/"+size]
			if len(m["open/closed"]) == 0 || len(m["closed-msgs/s"]) == 0 || len(m["open-msgs/s"]) == 0 {
				continue
			}
			rows = append(rows, row{c.label, size, stats.Median(m["closed-msgs/s"]), stats.Median(m["open-msgs/s"]),
				stats.Median(m["open/closed"]), len(m["open/closed"])})
		}
	}
	if len(rows) == 0 {
		fmt.Fprintf(w, "Not in this file: the input has no BenchmarkOpenLoop (harness/load) results.\n\n")
		return
	}
	fmt.Fprintf(w, "Raw mode over loopback tcp, one sender, the peer in the same process, the history recorded as in every run "+
		"(`BenchmarkOpenLoop` in harness/load). Each case bisects for the highest share of the closed-loop maximum "+
		"(messages sent per second) at which the generator stays within 1%% of its plan (the run's own \"generator "+
		"behind plan\" verdict); every step measures the closed loop just before its open-loop run and plans that share "+
		"of it, and a step that fails is tried once more. The closed-loop figure is the median over the steps, the "+
		"open-loop one the share found times it. %s; the machine is shared, so read the ratio.\n\n", runsOf(rows[0].runs))
	fmt.Fprintf(w, "| pattern | payload | closed loop | open loop within 1%% of plan | ratio | target | met |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		met := map[bool]string{true: "yes", false: "**no**"}[r.ratio >= openLoopTarget]
		fmt.Fprintf(w, "| %s | %s | %s | %s | %.2fx | ≥ %.2fx | %s |\n", r.label, r.size,
			format(r.closed, "msgs/s"), format(r.open, "msgs/s"), r.ratio, openLoopTarget, met)
	}
	fmt.Fprintf(w, "\n")
}

// runsOf says how many runs the figures are of.
func runsOf(n int) string {
	if n == 1 {
		return "One run"
	}
	return fmt.Sprintf("Medians of %d runs", n)
}
