// Command controlplane runs the cluster manager's control plane:
//
//	controlplane -config FILE [-ready-file PATH] [-log-level L]
//
// A bad flag or config exits 2 before anything starts, printing each
// problem as file:line: field: problem. A failure to start exits 1.
// SIGTERM or SIGINT closes it gracefully and exits 0. Once every socket is
// bound it writes -ready-file (api.Ready, JSON) if given. With data_dir in
// the config its tasks, instances and config versions survive even
// SIGKILL; a data_dir it cannot open (held by another control plane, not
// its file) exits 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/logging"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	go func() {
		<-ctx.Done()
		stop() // the first signal closes gracefully; a second one kills at once
	}()
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

// run is the program; it returns when ctx ends (a signal) or it fails.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("controlplane", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "the JSON config `file` (required)")
	readyFile := fs.String("ready-file", "", "write the bound addresses to this `file` (JSON) once ready")
	logLevel := fs.String("log-level", "", "debug, info, warn or error; overrides the config's log_level")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK // -h asked for the usage
		}
		return exitUsage // flag has printed the problem and the usage
	}
	if *configPath == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "controlplane: -config FILE is required, and nothing else")
		fs.Usage()
		return exitUsage
	}
	if _, err := logging.ParseLevel(*logLevel); err != nil {
		fmt.Fprintf(stderr, "controlplane: -log-level: %v\n", err)
		return exitUsage
	}
	cfg, err := controlplane.LoadConfig(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, err) // one problem per line
		return exitUsage
	}
	if *logLevel != "" {
		cfg.LogLevel = *logLevel
	}
	level, _ := logging.ParseLevel(cfg.LogLevel) // validated above
	logger := logging.New(stderr, level)
	log := logging.Component(logger, "controlplane")

	cp, err := controlplane.New(cfg, controlplane.Options{Logger: logger})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if err := cp.Start(ctx); err != nil {
		log.Error("could not start", "error", err)
		return exitFailure
	}
	if *readyFile != "" {
		ready := api.Ready{NodeID: cfg.NodeID, PID: os.Getpid(), Addresses: cp.Addresses()}
		if err := ready.WriteFile(*readyFile); err != nil {
			log.Error("could not write the ready file", "error", errors.Join(err, cp.Close()))
			return exitFailure
		}
	}
	<-ctx.Done()
	log.Info("Shutting down")
	if err := cp.Close(); err != nil {
		log.Error("close", "error", err)
		return exitFailure
	}
	return exitOK
}
