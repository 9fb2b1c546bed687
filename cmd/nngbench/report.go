package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

func reportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "report DIR|FILE",
		Short: "Regenerate report.md and its PNG charts from DIR/result.json, running nothing",
		Long: `Read DIR/result.json (or the result file given) and write report.md and its
PNG charts beside it, replacing any there. Nothing is run: the report comes
from the file alone. A missing, malformed or foreign file (another schema
version) exits 2 and names the file, and the line where it can.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, dir := resultPath(args[0])
			r, err := result.Read(path)
			if err != nil {
				return usageError{err}
			}
			if err := report.Write(dir, r); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", filepath.Join(dir, report.MarkdownFile))
			return nil
		},
	}
}

// resultPath takes a run's folder or its result file, and returns the
// file and the folder the report goes into.
func resultPath(arg string) (path, dir string) {
	if fi, err := os.Stat(arg); err == nil && fi.IsDir() {
		return filepath.Join(arg, result.FileName), arg
	}
	return arg, filepath.Dir(arg)
}
