// Command nngbench runs scenario files against the control plane and its
// workers and reports what happened: see README.md. This file is only the
// entry point; each subcommand has a file of its own.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit statuses, the contract CI scripts rely on.
const (
	exitOK        = 0
	exitGate      = 1 // the run completed but a gate failed
	exitUsage     = 2 // bad flags, bad scenario files, missing input
	exitFailure   = 1 // the run itself failed
	defaultSuites = "scenarios"
)

// usageError marks errors that exit with exitUsage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	root := &cobra.Command{
		Use:           "nngbench",
		Short:         "Benchmark and fault-injection harness for nanomsg-protocol messaging",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(validateCmd(), listCmd(), runCmd(), reportCmd(), analyzeCmd(), gateCmd(), benchFormatCmd(), peerCmd())
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(os.Stderr, "nngbench:", err)
	var ue usageError
	var ge gateError
	switch {
	case errors.As(err, &ue) || isCobraUsage(err):
		return exitUsage
	case errors.As(err, &ge):
		return exitGate
	}
	return exitFailure
}

// isCobraUsage recognises cobra's own errors about flags and arguments,
// which it does not type.
func isCobraUsage(err error) bool {
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ",
		"requires at least", "flag needs an argument", "invalid argument"} {
		if strings.Contains(err.Error(), p) {
			return true
		}
	}
	return false
}
