// Command worker runs one worker of the cluster manager (impl/worker):
//
//	worker -config FILE [-ready-file PATH] [-log-level LEVEL]
//
// It registers with the control plane, heartbeats, executes the tasks it
// is given and keeps instances, which are simulated records (with
// instances.state_file they survive a restart), not real VMs or
// containers. configs/worker-1.json is an example config.
//
// Exit status: 2 for bad flags or a bad config (every problem printed as
// file:line: field: problem, before anything starts), 1 for a failure
// while running, 0 after a graceful stop on SIGTERM or SIGINT.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/worker"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

// flags are the command line.
type flags struct {
	config, readyFile, logLevel string
}

func parseFlags(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.config, "config", "", "config file (JSON); required")
	fs.StringVar(&f.readyFile, "ready-file", "", "write the ready file (node id, pid, bound addresses) here once bound")
	fs.StringVar(&f.logLevel, "log-level", "", "debug, info, warn or error; overrides the config's log_level")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	switch {
	case fs.NArg() > 0:
		return f, fmt.Errorf("worker: unexpected arguments %q", fs.Args())
	case f.config == "":
		return f, errors.New("worker: -config is required")
	}
	if f.logLevel != "" {
		if _, err := logging.ParseLevel(f.logLevel); err != nil {
			return f, fmt.Errorf("worker: -log-level: %w", err)
		}
	}
	return f, nil
}

// run is main with its exit status returned, so that deferred calls run.
func run(args []string, stderr io.Writer) int {
	f, err := parseFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, err)
		}
		return exitUsage
	}
	cfg, err := worker.LoadConfig(f.config)
	if err != nil {
		fmt.Fprintln(stderr, err) // one file:line: field: problem per line
		return exitUsage
	}
	if f.logLevel != "" {
		cfg.LogLevel = f.logLevel
	}
	level, _ := logging.ParseLevel(cfg.LogLevel) // validated
	log := logging.New(stderr, level)
	w, err := worker.New(cfg, worker.Options{Logger: log})
	if err != nil {
		fmt.Fprintln(stderr, err)
		if errors.Is(err, worker.ErrConfig) {
			return exitUsage
		}
		return exitFailure
	}
	return serve(w, cfg, f.readyFile, logging.Component(log, "worker"))
}

// serve starts w, announces it, and runs it until a signal.
func serve(w *worker.Worker, cfg worker.Config, readyFile string, log *slog.Logger) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := w.Start(ctx); err != nil {
		log.Error("could not start", "error", err)
		_ = w.Close()
		return exitFailure
	}
	if readyFile != "" {
		addrs := w.Addresses()
		ready := api.Ready{NodeID: cfg.NodeID, PID: os.Getpid(),
			Addresses: map[string]string{"bind": addrs["bind"], "metrics": addrs["metrics"]}}
		if err := ready.WriteFile(readyFile); err != nil {
			log.Error("could not write the ready file", "error", err)
			_ = w.Close()
			return exitFailure
		}
	}
	<-ctx.Done()
	stop() // a second signal ends the process at once
	log.Info("Shutting down")
	if err := w.Close(); err != nil {
		log.Error("shutdown", "error", err)
		return exitFailure
	}
	return exitOK
}
