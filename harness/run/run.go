package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/fault"
	"github.com/nngbench/nngbench/harness/implload"
	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/peer"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/metrics"
)

// ClusterDir is the subfolder of a run's folder that holds the cluster's
// configs, logs and ready files.
const ClusterDir = "cluster"

// peersLog is the file of a raw run's peer processes' output.
const peersLog = "peers.log"

// Run runs s and writes its results into Options.Dir (see the package
// comment for the files), then returns the result it wrote.
//
// Once the run has started, the result is written however it ends: a
// workload whose driver failed, a cluster that did not start, or ctx
// cancelled (Ctrl-C) give a result marked invalid that says why, and an
// error wrapping ErrWorkload, ErrCluster or ErrInterrupted. A run that
// completed with figures it cannot vouch for (a generator behind its
// plan, a fault that could not be applied) returns a nil error with
// Valid false: the caller decides. Errors before the start (options,
// FindBin, the folder) return no result.
func Run(ctx context.Context, s *scenario.Scenario, o Options) (*result.Result, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil scenario", ErrOptions)
	}
	o = o.withDefaults(s)
	if err := o.validate(); err != nil {
		return nil, err
	}
	if NeedsBin(s) && o.Bin == "" {
		bin, err := FindBin(ctx)
		if err != nil {
			return nil, err
		}
		o.Bin = bin
	}
	// Whatever an earlier run left in this folder (its histograms, report,
	// logs and ready files) would be mistaken for this one's.
	if err := clearFolder(o.Dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	r := newRunner(s, o)
	r.execute(ctx)
	return r.write()
}

// runner is one Run's state.
type runner struct {
	s     *scenario.Scenario
	o     Options
	lives []*live
	prog  *progress

	cluster  *cluster.Cluster
	timeline *fault.Timeline
	start    time.Time    // the load's start; the measured window starts Warmup later
	stopAt   atomic.Int64 // set when ctx ends (context.AfterFunc), in unix ns
	stopped  time.Time    // when the run was interrupted; zero if it was not
	cause    error        // why
	outs     []outcome
	failures []error // what kept the run from completing

	events  cluster.Events    // the control plane's, for the recovery figures
	checks  []result.Check    // of the cluster, after the heal
	peerLog io.Writer         // the raw peers' stderr
	sockets *metrics.Snapshot // the control plane's counters before the load

	clusterStats *result.Cluster  // how the cluster came up and held during the load
	instances    *implload.Ledger // what the workloads created and deleted, for the accounting check
}

// outcome is what one workload's driver returned.
type outcome struct {
	out *engine.Outcome
	err error
}

func newRunner(s *scenario.Scenario, o Options) *runner {
	r := &runner{s: s, o: o, instances: implload.NewLedger()}
	if o.Progress != nil {
		for _, w := range s.Workloads {
			r.lives = append(r.lives, newLive(w.Name, s.Workers))
		}
	}
	r.prog = newProgress(o, s.Name, s.Warmup, s.Warmup+s.Duration, r.lives)
	return r
}

// execute runs the cluster, load and faults, and cleans up after them;
// what went wrong is in r.failures.
func (r *runner) execute(ctx context.Context) {
	stopWatch := context.AfterFunc(ctx, func() { r.stopAt.Store(time.Now().UnixNano()) })
	defer stopWatch()
	r.prog.run()
	defer r.prog.stop()
	if NeedsCluster(r.s) {
		r.prog.setPhase(PhaseCluster)
		closeCluster, err := r.startCluster(ctx)
		defer closeCluster()
		if err != nil {
			r.checkInterrupted(ctx)
			if r.cause == nil || !errors.Is(err, context.Canceled) { // a start cut short by Ctrl-C did not fail
				r.failures = append(r.failures, fmt.Errorf("%w: %w", ErrCluster, err))
			}
			r.outs = make([]outcome, len(r.s.Workloads))
			return
		}
	}
	if r.o.Peer != "" && hasRaw(r.s) && r.s.Transport != scenario.TransportInproc {
		f, err := os.Create(filepath.Join(r.o.Dir, peersLog))
		if err != nil {
			r.failures = append(r.failures, err)
			r.outs = make([]outcome, len(r.s.Workloads))
			return
		}
		defer f.Close()
		r.peerLog = f
	}
	r.start = time.Now()
	if r.cluster != nil {
		if snap, err := r.cluster.Sockets(ctx); err == nil {
			r.sockets = &snap
		}
		r.timeline = fault.Run(ctx, r.start.Add(r.s.Warmup), r.s.Faults, fault.ClusterTarget(r.cluster), r.o.Faults)
		defer r.heal(ctx)
	}
	var faults func() []string
	if r.timeline != nil {
		faults = r.activeFaults
	}
	r.prog.loadStarted(r.start, faults)
	watch := r.watchCluster(ctx)
	r.outs = r.runWorkloads(ctx)
	watch.stop(r.cluster)
	if watch != nil {
		r.clusterStats = watch.out
	}
	r.checkInterrupted(ctx)
	if r.cluster != nil && r.cause == nil {
		r.prog.setPhase(PhaseChecking)
		r.heal(ctx)
		r.checks = r.clusterChecks(ctx)
		r.checkInterrupted(ctx)
	}
	r.prog.setPhase(PhaseStopping)
}

// checkInterrupted notes whether ctx has ended, and when: a Ctrl-C after
// the load is over (while cleaning up) interrupts nothing measured.
func (r *runner) checkInterrupted(ctx context.Context) {
	if ctx.Err() == nil || r.cause != nil {
		return
	}
	r.cause = context.Cause(ctx)
	r.stopped = time.Now()
	if n := r.stopAt.Load(); n != 0 { // the AfterFunc has run: its time is closer
		r.stopped = time.Unix(0, n)
	}
}

// startCluster starts the cluster and returns what closes it. The cluster
// is not tied to ctx once started, so that the faults are healed before
// it stops, in that order, on Ctrl-C too.
func (r *runner) startCluster(ctx context.Context) (closeCluster func(), err error) {
	dir := filepath.Join(r.o.Dir, ClusterDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return func() {}, err
	}
	logf, err := os.Create(filepath.Join(dir, "harness.log"))
	if err != nil {
		return func() {}, err
	}
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stopStart := context.AfterFunc(ctx, cancel) // Ctrl-C during the start still ends it
	c, err := cluster.Start(cctx, cluster.Options{
		Workers: r.s.Workers, Transport: string(r.s.Transport), Timing: r.s.Cluster, ControlPlane: cpMode(r.s),
		Dir: dir, Bin: r.o.Bin, ToxiproxyURL: r.o.ToxiproxyURL, RunName: r.s.Name, OnEvent: r.events.Add,
		Logger: slog.New(slog.NewTextHandler(logf, nil)), ReadyTimeout: r.s.Cluster.ReadyTimeout,
	})
	stopStart()
	closeCluster = func() {
		if c != nil {
			cleanup, done := context.WithTimeout(context.WithoutCancel(ctx), r.o.CleanupTimeout)
			if err := c.Close(cleanup); err != nil {
				r.failures = append(r.failures, fmt.Errorf("%w: stopping: %w", ErrCluster, err))
			}
			done()
		}
		cancel()
		_ = logf.Close() // only the harness's log: nothing to do about it
	}
	if err == nil {
		r.cluster = c
		err = r.placeInstances(cctx)
	}
	return closeCluster, err
}

// cpMode is where the scenario runs the control plane.
func cpMode(s *scenario.Scenario) cluster.Mode {
	if s.Cluster.ControlPlane == scenario.ControlPlaneProcess {
		return cluster.Separate
	}
	return cluster.Embedded
}

// placeInstances has the control plane place the scenario's instances
// before the load starts, so that faults have something to migrate.
func (r *runner) placeInstances(ctx context.Context) error {
	n := r.s.Cluster.Instances
	for i := range n {
		if _, err := r.cluster.CreateInstance(ctx, api.CreateInstance{ID: fmt.Sprintf("inst-%04d", i+1), Image: "nngbench/sim"}); err != nil {
			return fmt.Errorf("placing instance %d of %d: %w", i+1, n, err)
		}
	}
	return nil
}

// heal heals every fault still in force.
func (r *runner) heal(ctx context.Context) {
	cleanup, done := context.WithTimeout(context.WithoutCancel(ctx), r.o.CleanupTimeout)
	defer done()
	if err := r.timeline.Heal(cleanup); err != nil {
		r.failures = append(r.failures, err)
	}
}

// activeFaults names the faults in force now.
func (r *runner) activeFaults() []string {
	var on []string
	for _, f := range r.timeline.Records() {
		if !f.StartedAt.IsZero() && f.EndedAt.IsZero() {
			on = append(on, f.Name)
		}
	}
	return on
}

// runWorkloads runs every workload at once and waits for all.
func (r *runner) runWorkloads(ctx context.Context) []outcome {
	outs := make([]outcome, len(r.s.Workloads))
	var wg sync.WaitGroup
	for i, w := range r.s.Workloads {
		spec := r.spec(i, w)
		wg.Go(func() {
			if w.Mode == scenario.ModeImpl {
				outs[i].out, outs[i].err = r.o.Impl(ctx, implload.Spec{Spec: spec, Endpoint: w.Endpoint, Task: w.Task, Via: w.Via,
					Instances: r.instances}, r.cluster)
				return
			}
			raw := load.Spec{Spec: spec, Transport: r.s.Transport, Peers: r.s.Workers, ServiceTime: w.ServiceTime}
			// inproc sockets meet in memory: its raw peers stay in this process, as its workers do.
			if r.o.Peer != "" && r.s.Transport != scenario.TransportInproc {
				raw.Procs = &peer.Procs{Bin: r.o.Peer, Stderr: r.peerLog}
			}
			outs[i].out, outs[i].err = load.Run(ctx, raw)
		})
	}
	wg.Wait()
	return outs
}

// spec is workload i's load, as every driver reads it.
func (r *runner) spec(i int, w scenario.Workload) engine.Spec {
	spec := engine.Spec{
		Pattern: w.Pattern, Rate: w.Rate.PerSecond, Concurrency: senders(w, r.s.Workers), Size: w.Size,
		Duration: r.s.Duration, Warmup: r.s.Warmup,
		Seed: r.s.Seed + int64(i), // workloads alike in all but name still draw their own sizes
	}
	if r.lives != nil {
		spec.Observe = r.lives[i].observe
	}
	if w.Mode == scenario.ModeImpl && w.Pattern == scenario.PatternPushPull && len(r.s.Faults) > 0 {
		// A task whose result a fault lost completes only once its lease
		// has ended and it ran again: the drain waits for that (it ends as
		// soon as every task is in) before counting one lost.
		spec.Grace = 2*r.taskLease() + engine.DefaultGrace
	}
	return spec
}

// ratePerSender is the share of a raw open-loop request rate one sender
// keeps while round trips take up to 4 ms: a rate sweep's higher rates
// get more senders, so that its knee is the system's, not the number of
// requests the harness lets be in flight (the suite's fixed rates keep
// one per worker, at least 4).
const ratePerSender = 250

// serviceSenders is how many requests per replier with a service time
// may be in flight: a backlog of 64 service times before the senders, not
// the repliers, hold the rate back.
const serviceSenders = 64

func hasRaw(s *scenario.Scenario) bool {
	for _, w := range s.Workloads {
		if w.Mode == scenario.ModeRaw {
			return true
		}
	}
	return false
}

// senders is how many goroutines send workload w, or for impl-mode open
// loop how many messages may be outstanding (0: implload's default, which
// covers requests and surveys held up to their deadlines by a fault). Closed
// loop: its concurrency. Raw open loop: one, except for request/reply,
// where each sender waits for its reply and one per worker (at least 4,
// and one per ratePerSender) keeps the schedule when replies slow down; repliers with a service time
// queue requests by design, and serviceSenders per worker keep the
// schedule while they do, so that the repliers, not the senders, are what
// an overload finds.
func senders(w scenario.Workload, workers int) int {
	switch {
	case w.Concurrency > 0:
		return w.Concurrency
	case w.Mode == scenario.ModeImpl:
		return 0
	case w.Pattern == scenario.PatternReqRep && w.ServiceTime > 0:
		return serviceSenders * workers
	case w.Pattern == scenario.PatternReqRep:
		return max(workers, 4, int(math.Ceil(w.Rate.PerSecond/ratePerSender)))
	default:
		return 1
	}
}

// write builds the result, writes it and its report, and returns it with
// every error of the run.
func (r *runner) write() (*result.Result, error) {
	d, herr := r.result()
	res := d.Result
	errs := r.errors()
	if herr != nil {
		errs = append(errs, herr)
	}
	if err := result.Write(r.o.Dir, res, d.Histograms); err != nil {
		return res, errors.Join(append(errs, err)...)
	}
	for _, l := range d.Logs {
		if err := record.WriteLogFile(r.o.Dir, l); err != nil {
			errs = append(errs, err)
		}
	}
	if r.o.NoReport {
		return res, errors.Join(errs...)
	}
	if err := report.Write(r.o.Dir, res); err != nil {
		errs = append(errs, err)
	}
	return res, errors.Join(errs...)
}

// errors are the run's failures: interruption first, then the rest.
func (r *runner) errors() []error {
	var errs []error
	if r.cause != nil {
		errs = append(errs, fmt.Errorf("%w after %v: %w", ErrInterrupted, r.ranFor(r.stopped), r.cause))
	}
	errs = append(errs, r.failures...)
	for i, oc := range r.outs {
		// A driver cut short by the interruption failed for no reason of its own.
		if oc.err != nil && (r.cause == nil || !isContextErr(oc.err)) {
			errs = append(errs, fmt.Errorf("%w: %s: %w", ErrWorkload, r.s.Workloads[i].Name, oc.err))
		}
	}
	return errs
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// ranFor is how long the load ran until at (0 if it never started).
func (r *runner) ranFor(at time.Time) time.Duration {
	if r.start.IsZero() || at.Before(r.start) {
		return 0
	}
	return at.Sub(r.start).Round(time.Millisecond)
}
