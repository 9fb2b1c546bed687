package run

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/fault"
	"github.com/nngbench/nngbench/harness/implload"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Defaults of Options.
const (
	DefaultOut            = "reports/latest"
	DefaultProgressEvery  = time.Second
	DefaultCleanupTimeout = 30 * time.Second
)

// Errors of this package; returned errors wrap them.
var (
	ErrOptions     = errors.New("run: invalid options")
	ErrInterrupted = errors.New("run: interrupted")
	ErrWorkload    = errors.New("run: workload failed")
	ErrCluster     = errors.New("run: cluster failed")
	ErrNoBin       = errors.New("run: no worker program found")
)

// ImplDriver runs one impl-mode workload through a running cluster, in the
// shape of implload.Run (the default). It must return once ctx ends.
type ImplDriver func(ctx context.Context, spec implload.Spec, c *cluster.Cluster) (*engine.Outcome, error)

// Options configure Run; zero fields take the defaults.
type Options struct {
	// Dir is the folder this run writes: result.json, one .hgrm pair per
	// workload, report.md with its PNGs, and cluster/ with the programs'
	// configs, logs and ready files. Default DefaultOut/<scenario name>;
	// see Dir for the layout of repeated runs.
	Dir string
	// Bin is the folder holding the worker program, used only when the
	// scenario needs a cluster of processes (not with transport inproc,
	// whose workers are goroutines); "" finds it with FindBin.
	Bin string
	// Peer is the nngbench program, which raw-mode workloads start as
	// their receiving peers (nngbench peer), one process each, as the
	// perf tools run; "" keeps the peers in this process, as transport
	// inproc always does (its sockets meet in memory).
	Peer string
	// ToxiproxyURL is an external toxiproxy server; "" runs one in this
	// process.
	ToxiproxyURL string
	// Impl runs impl-mode workloads; default implload.Run.
	Impl ImplDriver
	// Faults holds the fault injectors; default fault.NewRegistry().
	Faults *fault.Registry
	// Progress, if set, is given the run's Status every ProgressEvery and
	// at each change of phase, from one goroutine, never after Run
	// returns. Setting it makes every receiver report each message it gets
	// (load.Spec.Observe), which costs a lock per message.
	Progress func(Status)
	// ProgressEvery is how often Progress is called; default 1s.
	ProgressEvery time.Duration
	// CleanupTimeout bounds healing the faults and stopping the cluster
	// once the load is over, however the run ended; default 30s.
	CleanupTimeout time.Duration
	// Commit is the nngbench commit recorded in result.json; "" takes the
	// one the binary was built from, if Go recorded it.
	Commit string
	// NoReport leaves out report.md and its charts, which take longer to
	// draw than a short run takes to measure; result.json and the
	// histograms are written all the same, and `nngbench report DIR`
	// draws the report from them later.
	NoReport bool
}

func (o Options) withDefaults(s *scenario.Scenario) Options {
	if o.Dir == "" {
		o.Dir = filepath.Join(DefaultOut, s.Name)
	}
	if o.Impl == nil {
		o.Impl = implload.Run
	}
	if o.Faults == nil {
		o.Faults = fault.NewRegistry()
	}
	if o.ProgressEvery == 0 {
		o.ProgressEvery = DefaultProgressEvery
	}
	if o.CleanupTimeout == 0 {
		o.CleanupTimeout = DefaultCleanupTimeout
	}
	return o
}

// validate reports every problem, joined; call it after withDefaults.
func (o Options) validate() error {
	var errs []error
	if o.ProgressEvery < 0 {
		errs = append(errs, fmt.Errorf("%w: progress_every: must be >= 0, got %v", ErrOptions, o.ProgressEvery))
	}
	if o.CleanupTimeout < 0 {
		errs = append(errs, fmt.Errorf("%w: cleanup_timeout: must be >= 0, got %v", ErrOptions, o.CleanupTimeout))
	}
	return errors.Join(errs...)
}

// Dir is the folder nngbench run writes repetition rep (1-based) of reps of
// scenario name into: out/<name> for a single run, and out/<name>/run-01
// ... out/<name>/run-K when repeated, numbered with at least two digits
// and as many as K has, so that the folders sort in run order.
func Dir(out, name string, rep, reps int) string {
	if reps <= 1 {
		return filepath.Join(out, name)
	}
	width := max(2, len(strconv.Itoa(reps)))
	return filepath.Join(out, name, fmt.Sprintf("run-%0*d", width, rep))
}

// NeedsCluster says whether s needs the control plane and worker
// processes: for an impl-mode workload, or for faults, which act on the
// cluster's processes and links.
func NeedsCluster(s *scenario.Scenario) bool {
	if len(s.Faults) > 0 {
		return true
	}
	for _, w := range s.Workloads {
		if w.Mode == scenario.ModeImpl {
			return true
		}
	}
	return false
}

// NeedsBin says whether s needs the worker program: for a cluster, unless
// its transport is inproc, whose workers run in this process.
func NeedsBin(s *scenario.Scenario) bool {
	return NeedsCluster(s) && s.Transport != scenario.TransportInproc
}
