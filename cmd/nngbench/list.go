package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nngbench/nngbench/harness/scenario"
)

func listCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list [DIR]",
		Short: "List the scenarios in DIR (default " + defaultSuites + ") and what each does",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := defaultSuites
			if len(args) == 1 {
				dir = args[0]
			}
			files, err := scenarioFiles(dir)
			if err != nil {
				return usageError{err}
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "SCENARIO\tFILE\tWHAT")
			var bad []error
			for _, f := range files {
				s, err := scenario.Load(f)
				if err != nil {
					bad = append(bad, err)
					continue
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", s.Name, f, s.Summary())
				if s.Description != "" {
					fmt.Fprintf(w, "\t\t%s\n", s.Description)
				}
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if len(bad) > 0 {
				return usageError{errors.Join(bad...)}
			}
			return nil
		},
	}
}

// scenarioFiles returns the .yaml and .yml files directly in dir, sorted.
func scenarioFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no scenario files (*.yaml) in %s", dir)
	}
	sort.Strings(files)
	return files, nil
}
