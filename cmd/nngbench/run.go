package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/nngbench/nngbench/harness/gate"
	"github.com/nngbench/nngbench/harness/result"
	// main.go has a func run: the package goes by another name here.
	runner "github.com/nngbench/nngbench/harness/run"
	"github.com/nngbench/nngbench/harness/scenario"
)

// How often progress is shown: on a terminal the line is rewritten in
// place, elsewhere (a log, CI) each status is a line of its own. Changes
// of phase show at once either way.
const (
	ttyEvery   = time.Second
	plainEvery = 5 * time.Second
)

type runFlags struct {
	out       string
	toxiproxy string
	repeat    int
	quiet     bool
}

func runCmd() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "run FILE...",
		Short: "Run scenarios and write their results, histograms and reports under --out",
		Long: `Run each scenario file in turn and write, per run, under OUT:

  OUT/<scenario>/result.json, history.nnh, <workload>.hgrm, <workload>.uncorrected.hgrm, <workload>.hlog,
  report.md, *.png, and cluster/ (configs and logs) when a cluster ran.

With --repeat K > 1 each repetition has a folder of its own,
OUT/<scenario>/run-01 ... OUT/<scenario>/run-K, for gates to compare; the
repetitions go round the scenarios (a b a b), so that runs to compare
meet the machine alike. A sweep (sweep: {workers: [...]}) runs once per
worker count into OUT/<scenario>/workers-N and draws scaling.png and
sweep.md beside them. A rate sweep (sweep: {rate: [...]}) runs once per
rate into OUT/<scenario>/rate-R; sweep: {rate: auto, slo: "p99 < 5ms"}
searches for the highest rate each swept workload sustains, one step per
run into OUT/<scenario>/step-NN; both write latency-vs-rate.png, sweep.md
and sweep.json. With --repeat K a sweep runs each point K times (in
<point>/run-NN) and shows the median of each with its range.

Every file is checked before anything starts: a bad one exits 2. Ctrl-C or
SIGTERM stops the load, heals the faults, stops every process, writes what
was measured (marked invalid) and exits 1. A run that completed exits 0,
even when its figures are marked invalid (it says why); 1 when a run failed
or a gate did not hold.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error { return runScenarios(cmd, files, f) },
	}
	fl := c.Flags()
	fl.StringVarP(&f.out, "out", "o", runner.DefaultOut, "folder the results go under, one subfolder per scenario")
	fl.StringVar(&f.toxiproxy, "toxiproxy", "", "URL of an external toxiproxy server (default: one in this process)")
	fl.IntVar(&f.repeat, "repeat", 1, "run each scenario K times, each into OUT/<scenario>/run-NN")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	return c
}

func runScenarios(cmd *cobra.Command, files []string, f runFlags) error {
	scenarios, err := loadScenarios(files, f)
	if err != nil {
		return usageError{err}
	}
	var bin string
	if needsBin(scenarios) {
		if bin, err = runner.FindBin(cmd.Context()); err != nil {
			return usageError{err}
		}
	}
	// Raw-mode peers run as processes of this very program (nngbench peer).
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("run: finding this program for the raw peers: %w", err)
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var failed []error
	gatesFailed := 0
	opts := runner.Options{Bin: bin, Peer: self, ToxiproxyURL: f.toxiproxy}
	done := func(dir string, r *result.Result, err error) {
		summarize(cmd.OutOrStdout(), dir, r, err)
		if r != nil {
			gatesFailed += gate.Failed(r.Gates)
		}
		if err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", dir, err))
		}
	}
	// Repetitions go round the scenarios (A B A B, not A A B B), so that
	// runs to be compared meet the machine in the same state. A sweep runs
	// whole in the first round, its points repeated within it.
	for rep := 1; rep <= f.repeat; rep++ {
		for _, s := range scenarios {
			if isSweep(s) {
				if rep > 1 {
					continue
				}
				if err := runSweep(ctx, cmd, s, f, opts, &gatesFailed); err != nil {
					failed = append(failed, err) // each run's error names its folder
				}
			} else {
				dir := runner.Dir(f.out, s.Name, rep, f.repeat)
				p := newPrinter(cmd.ErrOrStderr(), f.quiet)
				o := opts
				o.Dir, o.Progress, o.ProgressEvery = dir, p.status, p.every
				r, err := runner.Run(ctx, s, o)
				p.end()
				done(dir, r, err)
			}
			if ctx.Err() != nil {
				return errors.Join(failed...)
			}
		}
	}
	if err := errors.Join(failed...); err != nil {
		return err
	}
	if gatesFailed > 0 {
		return gateError{n: gatesFailed}
	}
	return nil
}

// runSweep runs a sweep whole, its points repeated f.repeat times, each
// run summed up as it ends.
func runSweep(ctx context.Context, cmd *cobra.Command, s *scenario.Scenario, f runFlags, opts runner.Options, gatesFailed *int) error {
	_, err := runner.Sweep(ctx, s, runner.SweepOptions{Dir: filepath.Join(f.out, s.Name), Repeat: f.repeat,
		Run: func(ctx context.Context, s *scenario.Scenario, dir string) (*result.Result, error) {
			p := newPrinter(cmd.ErrOrStderr(), f.quiet)
			o := opts
			o.Dir, o.Progress, o.ProgressEvery = dir, p.status, p.every
			r, err := runner.Run(ctx, s, o)
			p.end()
			return r, err
		},
		Done: func(dir string, r *result.Result, err error) {
			summarize(cmd.OutOrStdout(), dir, r, err)
			if r != nil {
				*gatesFailed += gate.Failed(r.Gates)
			}
		}})
	return err
}

// gateError says that the runs completed and some gates failed.
type gateError struct{ n int }

func (e gateError) Error() string {
	if e.n == 1 {
		return "1 gate failed"
	}
	return fmt.Sprintf("%d gates failed", e.n)
}

// isSweep says whether s varies the worker count or the rate.
func isSweep(s *scenario.Scenario) bool { return len(s.Sweep) > 0 || s.Rates != nil }

// loadScenarios checks the flags and every file, and reports every problem
// at once, before anything runs.
func loadScenarios(files []string, f runFlags) ([]*scenario.Scenario, error) {
	var bad []error
	if f.repeat < 1 {
		bad = append(bad, fmt.Errorf("--repeat %d: must be >= 1", f.repeat))
	}
	if f.out == "" {
		bad = append(bad, errors.New("--out: must not be empty"))
	}
	var out []*scenario.Scenario
	byName := map[string]string{}
	for _, file := range files {
		s, err := loadScenario(file)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		if prev, dup := byName[s.Name]; dup {
			bad = append(bad, fmt.Errorf("%s: name %q: also the name of %s, and both would write %s", file, s.Name, prev,
				runner.Dir(f.out, s.Name, 1, 1)))
			continue
		}
		byName[s.Name] = file
		out = append(out, s)
	}
	return out, errors.Join(bad...)
}

// needsBin says whether any scenario starts worker processes.
func needsBin(scenarios []*scenario.Scenario) bool {
	for _, s := range scenarios {
		if runner.NeedsBin(s) {
			return true
		}
	}
	return false
}

// summarize prints what a run wrote: its verdict and one line per workload.
func summarize(w io.Writer, dir string, r *result.Result, err error) {
	if r == nil {
		fmt.Fprintf(w, "%s: not run\n", dir)
		return
	}
	verdict := "valid"
	if !r.Valid {
		verdict = "INVALID: " + strings.Join(r.Invalid, "; ")
	}
	fmt.Fprintf(w, "%s: %s\n", dir, verdict)
	for _, wl := range r.Workloads {
		plan := fmt.Sprintf("%g/s", wl.PlannedRate)
		if wl.Model == result.ModelClosed {
			plan = fmt.Sprintf("%d in flight", wl.Concurrency)
		}
		fmt.Fprintf(w, "  %-16s %s %s, %s: sent %d (%.0f/s), received %d (%.0f/s), lost %d, p50 %.0fµs, p99 %.0fµs, max %.0fµs\n",
			wl.Name, wl.Pattern, wl.Mode, plan, wl.Sent, wl.SendRate, wl.Received, wl.RecvRate, wl.Lost,
			wl.Latency.P50, wl.Latency.P99, wl.Latency.Max)
	}
	for _, c := range r.Checks {
		if !c.OK {
			fmt.Fprintf(w, "  check %s FAILED: %s\n", c.Name, c.Detail)
		}
	}
	for _, g := range r.Gates {
		verdict := "ok"
		if !g.OK {
			verdict = "FAILED"
		}
		fmt.Fprintf(w, "  gate %s: %s (%s)\n", g.Expr, verdict, g.Detail)
	}
}

// printer shows a run's progress on w: one line rewritten in place on a
// terminal, plain lines elsewhere, nothing when quiet.
type printer struct {
	w     io.Writer
	tty   bool
	cols  int
	quiet bool
	every time.Duration
	shown bool // a line is on the terminal, to be ended
}

func newPrinter(w io.Writer, quiet bool) *printer {
	p := &printer{w: w, quiet: quiet, every: plainEvery}
	if f, ok := w.(*os.File); ok {
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil {
			p.tty, p.cols, p.every = true, int(ws.Col), ttyEvery
		}
	}
	return p
}

// status is runner.Options.Progress: called from one goroutine at a time.
func (p *printer) status(s runner.Status) {
	if p.quiet {
		return
	}
	line := s.String()
	if !p.tty {
		fmt.Fprintln(p.w, line)
		return
	}
	if r := []rune(line); p.cols > 1 && len(r) >= p.cols { // a wrapped line cannot be rewritten
		line = string(r[:p.cols-1])
	}
	fmt.Fprint(p.w, "\r\033[K"+line) // back to the start, clear, write
	p.shown = true
}

// end ends the terminal line, once the run has returned.
func (p *printer) end() {
	if p.shown {
		fmt.Fprintln(p.w)
	}
}
