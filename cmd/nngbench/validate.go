package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nngbench/nngbench/harness/gate"
	runner "github.com/nngbench/nngbench/harness/run"
	"github.com/nngbench/nngbench/harness/scenario"
)

func validateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Parse and check scenario files, reporting every problem as file:line: field: problem",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			var bad []error
			for _, f := range files {
				s, err := loadScenario(f)
				if err != nil {
					bad = append(bad, err)
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "ok %s: %s: %s\n", f, s.Name, s.Summary())
			}
			if len(bad) > 0 {
				return usageError{errors.Join(bad...)}
			}
			return nil
		},
	}
}

// loadScenario reads and checks a scenario file, its gate expressions
// included, so that every problem shows before anything runs.
func loadScenario(path string) (*scenario.Scenario, error) {
	s, err := scenario.Load(path)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(gate.Check(s), runner.Check(s), runner.CheckSweep(s)); err != nil {
		return nil, err
	}
	return s, nil
}
