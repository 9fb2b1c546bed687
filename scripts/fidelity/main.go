// Command fidelity measures the harness against mangos' own perf tool, same version, same
// machine, same run: throughput (local_thr/remote_thr against nngbench raw push/pull and pair,
// closed loop) and round trip (local_reqlat/remote_reqlat against nngbench raw req/rep, one
// request in flight), both ends in separate processes as the perf tool runs, over tcp loopback.
// It also measures what an idle toxiproxy proxy costs the same raw workloads. The two tools' runs
// alternate (A B A B ...), so that drift of a shared machine hits both; ratios are medians of
// the per-round ratios. It writes OUT/fidelity.json and prints a table.
//
//	go run ./scripts/fidelity -out reports/latest
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
	"time"
)

// options are the flags; the defaults keep a run under about a minute on 2 cores.
type options struct {
	out         string
	rounds      int           // alternations of each comparison
	size        int           // message size, bytes
	thrCount    int           // messages local_thr counts
	latCount    int           // round trips remote_reqlat times
	warmup      time.Duration // nngbench warmup before each window
	thrWindow   time.Duration // nngbench throughput window
	latWindow   time.Duration // nngbench round-trip window
	proxyRounds int
	proxyWindow time.Duration
	timeout     time.Duration // bounds each single run
}

func (o options) validate() error {
	var errs []error
	if o.rounds < 1 || o.proxyRounds < 0 {
		errs = append(errs, fmt.Errorf("rounds %d, proxy rounds %d: need >= 1 and >= 0", o.rounds, o.proxyRounds))
	}
	if o.size < 32 { // nngbench's stamp
		errs = append(errs, fmt.Errorf("size %d: must be >= 32", o.size))
	}
	if o.thrCount < 1 || o.latCount < 1 {
		errs = append(errs, fmt.Errorf("counts %d, %d: must be >= 1", o.thrCount, o.latCount))
	}
	if o.thrWindow <= 0 || o.latWindow <= 0 || o.proxyWindow <= 0 || o.warmup < 0 || o.timeout <= 0 {
		errs = append(errs, errors.New("windows and timeout must be > 0, warmup >= 0"))
	}
	return errors.Join(errs...)
}

func main() {
	var o options
	flag.StringVar(&o.out, "out", "reports/latest", "folder for fidelity.json")
	flag.IntVar(&o.rounds, "rounds", 9, "runs of each tool per comparison, alternating")
	flag.IntVar(&o.size, "size", 1024, "message size in bytes")
	flag.IntVar(&o.thrCount, "thr-count", 300000, "messages local_thr counts (remote_thr sends 20% more)")
	flag.IntVar(&o.latCount, "lat-count", 10000, "round trips of remote_reqlat")
	flag.DurationVar(&o.warmup, "warmup", 300*time.Millisecond, "nngbench warmup before each window")
	flag.DurationVar(&o.thrWindow, "thr-window", time.Second, "nngbench throughput window (whole seconds count arrivals in it)")
	flag.DurationVar(&o.latWindow, "lat-window", time.Second, "nngbench round-trip window")
	flag.IntVar(&o.proxyRounds, "proxy-rounds", 3, "runs of direct and proxied each; 0 skips toxiproxy")
	flag.DurationVar(&o.proxyWindow, "proxy-window", time.Second, "window of each toxiproxy comparison run")
	flag.DurationVar(&o.timeout, "timeout", time.Minute, "bound on any single run")
	flag.Parse()
	if err := o.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "fidelity:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fidelity:", err)
		os.Exit(1)
	}
}

// run builds both programs, measures, writes o.out/fidelity.json and prints the table to w.
func run(ctx context.Context, o options, w io.Writer) error {
	dir, err := os.MkdirTemp("", "nngbench-fidelity-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }() // a temporary folder: nothing to do if it stays
	b, err := build(ctx, dir)
	if err != nil {
		return err
	}
	f := newFidelity(o)
	progress := func(format string, a ...any) { fmt.Fprintf(os.Stderr, format+"\n", a...) }
	if err := measureThroughput(ctx, o, b, &f.Throughput, progress); err != nil {
		return err
	}
	if err := measureRoundTrip(ctx, o, b, &f.RoundTrip, progress); err != nil {
		return err
	}
	if o.proxyRounds > 0 {
		f.Toxiproxy = &toxiproxyCost{}
		if err := measureToxiproxy(ctx, o, b, f.Toxiproxy, progress); err != nil {
			return err
		}
	}
	f.finish()
	path, err := f.write(o.out)
	if err != nil {
		return err
	}
	f.table(w)
	fmt.Fprintf(w, "written to %s\n", path)
	return nil
}
