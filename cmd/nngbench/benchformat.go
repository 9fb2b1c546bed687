package main

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/nngbench/nngbench/harness/gate"
)

func benchFormatCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "bench-format DIR...",
		Short: "Print the results under each DIR as Go benchmark lines, for benchstat and dashboards",
		Long: `bench-format prints one Go benchmark line per workload per run found under each
DIR (BenchmarkScenario/workload-CORES  received  value unit ...), with latencies in
ns (p50-ns ... max-ns), rates in msgs/s and counts of lost, duplicated and
reordered messages, so that "benchstat old.txt new.txt" compares two sets of runs.
Runs and workloads marked invalid are left out and named on stderr.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, dirs []string) error {
			var runs []gate.Run
			for _, d := range dirs {
				rs, err := gate.LoadRuns(d)
				if err != nil {
					return usageError{err}
				}
				for _, name := range rs.Names() {
					runs = append(runs, rs.Scenarios[name]...)
				}
			}
			slices.SortStableFunc(runs, func(a, b gate.Run) int { return cmp.Compare(a.Result.Scenario, b.Result.Scenario) })
			skipped, err := gate.WriteBenchFormat(cmd.OutOrStdout(), runs)
			for _, s := range skipped {
				fmt.Fprintln(cmd.ErrOrStderr(), "nngbench: bench-format: left out", s)
			}
			return err
		},
	}
}
