package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/nngbench/nngbench/harness/analyze"
	"github.com/nngbench/nngbench/harness/gate"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

// errDiffers says that --check found result.json other than its history says.
var errDiffers = errors.New("result.json differs from what its history gives")

func analyzeCmd() *cobra.Command {
	var gates []string
	var checkOnly bool
	cmd := &cobra.Command{
		Use:   "analyze DIR",
		Short: "Derive a run's result.json again from its history, running nothing",
		Long: `Read DIR/` + history.FileName + `, the history a run writes beside its result (every send,
receipt and failure of every workload, the faults' real start and end, the
cluster's events), and derive from it every figure, check, recovery time,
verdict and gate; then write result.json, the .hgrm and .hlog files and report.md again.
On an unchanged history the result is the run's own, byte for byte.

--gate adds gate expressions to the scenario's, to re-check a run against a
new gate; --check writes nothing and exits 1 if DIR/result.json is not what
the history gives (an audit). A missing, corrupt or foreign history exits 2
and names the file. Exits 1 when a gate fails.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			h, err := history.ReadFile(dir)
			if err != nil {
				return usageError{err}
			}
			for _, g := range gates {
				if _, err := gate.Parse(g); err != nil {
					return usageError{fmt.Errorf("--gate %q: %w", g, err)}
				}
			}
			h.Meta.Gates = append(h.Meta.Gates, gates...)
			d := analyze.Derive(h)
			res := d.Result
			if checkOnly {
				return compare(cmd, dir, res)
			}
			if err := result.Write(dir, res, d.Histograms); err != nil {
				return err
			}
			for _, l := range d.Logs {
				if err := record.WriteLogFile(dir, l); err != nil {
					return err
				}
			}
			if err := report.Write(dir, res); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s from %s\n", filepath.Join(dir, result.FileName), history.FileName)
			if n := gate.Failed(res.Gates); n > 0 {
				return gateError{n: n}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&gates, "gate", nil, "a gate expression to evaluate besides the scenario's (repeatable)")
	cmd.Flags().BoolVar(&checkOnly, "check", false, "write nothing; fail if result.json differs from what the history gives")
	return cmd
}

// compare says whether dir's result.json is res, as result.Write would write it.
func compare(cmd *cobra.Command, dir string, res *result.Result) error {
	path := filepath.Join(dir, result.FileName)
	have, err := os.ReadFile(path)
	if err != nil {
		return usageError{err}
	}
	want, err := result.Encode(res)
	if err != nil {
		return err
	}
	if !bytes.Equal(have, want) {
		return fmt.Errorf("%s: %w", path, errDiffers)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s is what %s gives\n", path, history.FileName)
	return nil
}
