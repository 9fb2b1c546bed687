// Command cpctl drives a control plane through its admin API:
//
//	cpctl [-admin tcp://127.0.0.1:5559] [-timeout 5s] COMMAND
//
// Commands: nodes, instances, debug sockets, create IMAGE [key=value...],
// delete ID, config set key=value..., config get,
// tasks submit N [-kind echo|sleep|hash] [-size BYTES], tasks status.
// A usage error exits 2, a failure 1, each with a message on stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nngbench/nngbench/impl/reqrep"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const usage = `usage: cpctl [-admin ADDRESS] [-timeout DURATION] COMMAND

commands:
  nodes                                  list the nodes
  instances                              list the instances
  debug sockets                          the control plane's sockets and their counters
  create IMAGE [key=value...]            create an instance, placed by the control plane
  delete ID                              delete an instance
  config set key=value...                set config values and broadcast a new version
  config get                             show the latest config version
  tasks submit N [-kind echo|sleep|hash] [-size BYTES] [-sleep-ms MS] [-rounds R]
                                         submit N tasks
  tasks status                           task counters

flags:
`

// usageError is a command line that cannot be run.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cpctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	admin := fs.String("admin", "tcp://127.0.0.1:5559", "the control plane's admin `address`")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the control plane")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK // -h asked for the usage
		}
		return exitUsage // flag has printed the problem and the usage
	}
	cmd, err := parse(fs.Args())
	if err == nil && *timeout <= 0 {
		err = usagef("-timeout must be > 0")
	}
	if err != nil {
		fmt.Fprintf(stderr, "cpctl: %v\n", err)
		fs.Usage()
		return exitUsage
	}
	c, err := dial(*admin, *timeout)
	if err != nil {
		fmt.Fprintf(stderr, "cpctl: %v\n", err)
		return exitUsage // a bad -admin address
	}
	defer c.close()
	if err := cmd(c, stdout); err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "cpctl: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(stderr, "cpctl: %v\n", explain(err, *admin))
		return exitFailure
	}
	return exitOK
}

// explain turns an error from the admin call into what a user can act on.
func explain(err error, admin string) string {
	var re *reqrep.RemoteError
	switch {
	case errors.As(err, &re):
		return re.Msg
	case errors.Is(err, reqrep.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer from the control plane at %s: %v", admin, err)
	}
	return err.Error()
}
