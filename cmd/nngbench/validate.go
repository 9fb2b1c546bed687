package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

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
				s, err := scenario.Load(f)
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
