package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

// The suite's scenario of instance creation through the control plane
// (scenarios/instances-create.yaml), its workload and its check.
const (
	instScenario = "instances-create"
	instWorkload = "create"
	instCheck    = "accounting"
)

// writeInstances writes the section on instance creation: the rate
// planned and achieved, the latency of a create and what the accounting
// check found, from the suite's instances-create run; a note when the
// suite has none.
func writeInstances(w io.Writer, suite, out string) error {
	fmt.Fprintf(w, "## Instance creation through the control plane\n\n")
	r, path, err := suiteResult(w, suite, instScenario)
	if r == nil || err != nil {
		return err
	}
	var wl *result.Workload
	for i := range r.Workloads {
		if r.Workloads[i].Name == instWorkload {
			wl = &r.Workloads[i]
		}
	}
	var acc *result.Check
	for i := range r.Checks {
		if r.Checks[i].Name == instCheck {
			acc = &r.Checks[i]
		}
	}
	if wl == nil || acc == nil {
		return fmt.Errorf("%s: want workload %q and check %q", path, instWorkload, instCheck)
	}
	link, err := relLink(filepath.Dir(out), filepath.Dir(path))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "From [`%s`](%s/%s): /admin/instances/create at a planned rate, each create placed by the control "+
		"plane and carried to its worker by its retrying, breaker-guarded client, %d workers. Latency from the intended "+
		"send to the control plane's answer.\n\n", instScenario, link, report.MarkdownFile, r.Workers)
	fmt.Fprintf(w, "| planned | created/s | sent | created | timeouts | errors | p50 | p99 |\n|---|---|---|---|---|---|---|---|\n")
	fmt.Fprintf(w, "| %.0f/s | %.1f | %d | %d | %d | %d | %s | %s |\n", wl.PlannedRate, wl.RecvRate, wl.Sent, wl.Received,
		wl.Timeouts, wl.Errors, micros(wl.Latency.P50), micros(wl.Latency.P99))
	c := acc.Counts
	verdict := map[bool]string{true: "every instance accounted for", false: "**not accounted for**: " + acc.Detail}[acc.OK]
	fmt.Fprintf(w, "\nAccounting (warmup included): %d created, %d listed, %d deleted, %d missing, %d duplicated, "+
		"%d uncertain: %s.\n\n", c["created"], c["listed"], c["deleted"], c["missing"], c["duplicated"], c["uncertain"], verdict)
	return nil
}
