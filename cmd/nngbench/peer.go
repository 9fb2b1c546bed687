package main

import (
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/nngbench/nngbench/harness/peer"
	"github.com/nngbench/nngbench/harness/scenario"
)

// peerCmd runs one raw-mode peer as a process of its own: the harness starts it (peer.Procs)
// and speaks to it on stdin and stdout. SIGINT and SIGTERM end it as "stop" does, with its report.
func peerCmd() *cobra.Command {
	var o peer.Options
	var pattern string
	c := &cobra.Command{
		Use:    "peer --pattern P --role R --addr tcp://127.0.0.1:PORT",
		Short:  "Run one raw-mode peer (receiver, replier, respondent) for the harness; it reports on stdout",
		Hidden: true, // started by the harness, not by hand
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := scenario.ParsePattern(pattern)
			if err != nil {
				return usageError{err}
			}
			o.Pattern = p
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			err = peer.Serve(ctx, o, cmd.InOrStdin(), cmd.OutOrStdout())
			if errors.Is(err, peer.ErrOptions) {
				return usageError{err}
			}
			return err
		},
	}
	f := c.Flags()
	f.StringVar(&pattern, "pattern", "", "messaging pattern: pushpull, pair, pubsub, bus, reqrep or survey")
	f.StringVar(&o.Role, "role", "", "the peer's socket: pull, pair, sub, bus, rep or respondent")
	f.StringVar(&o.Addr, "addr", "", "the hub's address to dial")
	f.IntVar(&o.Index, "index", 0, "this peer's index among the run's peers")
	f.IntVar(&o.Concurrency, "concurrency", 1, "requests or surveys answered at once")
	f.BoolVar(&o.Silent, "silent", false, "reqrep, survey: read every request, answer none")
	f.DurationVar(&o.ServiceTime, "service-time", 0, "reqrep: serve one request at a time, taking this long each")
	f.DurationVar(&o.Max, "max", peer.DefaultMax, "stop and report after this long even if never told")
	f.DurationVar(&o.Connect, "connect", peer.DefaultConnect, "how long to wait for the connection")
	return c
}
