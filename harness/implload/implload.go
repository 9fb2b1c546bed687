// Package implload drives impl-mode workloads: load that goes through the
// control plane and the worker processes of a running cluster, measured
// with the same recorders as the raw drivers of package load.
//
// What each pattern measures, and where it lands in the engine.Outcome:
//
//	pattern    sends (Send)                     receipts (Recv, ByPeer[worker])                      Last
//	reqrep     commands to workers, through     replies, round trip; timeouts and error replies      -
//	           their commands proxies           counted
//	pushpull   tasks submitted to the control   results read by the control plane, end to end        execution start on the worker:
//	           plane, one per message           (ByPeer: by the worker that ran it)                  one-way, submission to start
//	pubsub     config versions (SetConfig)      each worker's receipt of each version by broadcast,  until every worker had it
//	                                            one-way                                              (by broadcast or snapshot)
//	heartbeat  the workers' heartbeats (their   handled by the control plane: one-way from when      -
//	           own schedule, not ours)          each was due; Recv's rate is the handling rate
//	survey     surveys of every worker by the   each worker's answer before the deadline, from the   until every worker answered;
//	           control plane                    survey's send                                        Outcome.Survey: the share
//
// Links: reqrep goes through each worker's commands proxy, so its toxics
// apply; pushpull, pubsub and heartbeat ride the tasks, results,
// broadcasts and heartbeats links, proxied by the cluster (tcp and
// tls+tcp; ipc and inproc have no proxies, and reqrep dials the workers'
// sockets directly); the survey link is not proxied yet (workers dial the survey address the control
// plane gives them on registration). pushpull, pubsub, heartbeat and
// survey drive the embedded control plane through its Go API, and refuse
// a cluster whose control plane runs as a process (ErrEmbedded).
//
// Latency is timed from the intended send (the pacer's schedule, or for
// heartbeats the worker's), and also from the actual send (uncorrected).
// Messages due during warmup are counted apart, as in package load. Every
// process of a cluster runs on this machine, so timestamps taken by
// workers and by the control plane compare with the harness's own.
//
// Open loop, Spec.Concurrency goroutines (default DefaultInFlight) share
// the engine's one schedule, each taking the next message as soon as it is
// due and sending it, so that at most that many are outstanding; none is
// started per message. When all are outstanding the next message waits,
// and the wait shows as generator lag and in the latencies, never as a
// skipped message. Closed loop (Rate 0), Concurrency goroutines each send
// one message at a time.
package implload

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/impl/api"
)

// Defaults of Spec in impl mode.
const (
	// DefaultInFlight bounds the messages outstanding at once, open loop.
	DefaultInFlight = 256
	// DefaultConnect bounds the wait for the harness's own connections to
	// the workers before the run starts.
	DefaultConnect = 5 * time.Second
	// SleepTask is how long a sleep task sleeps.
	SleepTask = time.Millisecond
)

// Errors of this package; returned errors wrap them.
var (
	// ErrUnsupported is returned for a pattern that has no impl-mode driver.
	ErrUnsupported = errors.New("implload: pattern has no impl-mode driver")
	// ErrSpec is wrapped by every problem of a Spec.
	ErrSpec = errors.New("implload: bad spec")
	// ErrEmbedded is returned by drivers that drive the control plane
	// through its Go API, when it runs as a separate process.
	ErrEmbedded = errors.New("implload: needs the embedded control plane")
)

// Spec is one impl-mode workload: the load every driver shares, plus what
// only impl mode has; the peers are the cluster's workers.
type Spec struct {
	engine.Spec
	Endpoint string // reqrep: the worker endpoint called; default api.Health
	Task     string // pushpull: the task kind (echo, sleep, hash); default echo
	// Via is how reqrep reaches the workers: "" calls each worker's
	// command socket; scenario.ViaControlPlane, the control plane's relay.
	// The instance endpoints (scenario.PlacedEndpoints) take only
	// ViaControlPlane.
	Via string
	// Instances is the run's ledger of the instances its creates and
	// deletes made, shared by its workloads; nil: one of this workload's
	// own.
	Instances *Ledger
}

// Endpoints the reqrep driver may call: those that change nothing, whose
// request carries Spec.Size bytes of padding that they ignore, and
// instance create and delete through the control plane (runPlaced), a
// create's padding in the instance's config.
var Endpoints = []string{api.Health, api.ConfigGet, api.InstancesList, api.InstancesCreate, api.InstancesDelete}

// tasks are the task kinds of pushpull.
var tasks = []string{api.TaskEcho, api.TaskSleep, api.TaskHash}

// Run drives spec through c and returns what it measured, in the same
// shape as load.Run (the package comment says what each field holds). It
// returns once the run and its drain are over: Warmup+Duration, plus up to
// Grace for what is still in flight (reqrep: the reply Timeout). Cancelling
// ctx ends it early, with what was measured so far and ctx's error.
func Run(ctx context.Context, spec Spec, c *cluster.Cluster) (*engine.Outcome, error) {
	if err := spec.validate(); err != nil {
		return nil, err
	}
	if c == nil {
		return nil, fmt.Errorf("%w: no cluster", ErrSpec)
	}
	workers := c.Workers()
	if len(workers) == 0 {
		return nil, fmt.Errorf("%w: the cluster has no worker", ErrSpec)
	}
	spec = spec.withDefaults()
	out, err := drivers[spec.Pattern](ctx, spec, c, workers)
	if err == nil {
		err = ctx.Err() // a cancelled run measured only part of its window
	}
	return out, err
}

// driver runs one pattern's impl workload through a cluster of workers.
type driver func(ctx context.Context, spec Spec, c *cluster.Cluster, workers []string) (*engine.Outcome, error)

// drivers are the patterns impl mode runs, one file each.
var drivers = map[scenario.Pattern]driver{
	scenario.PatternReqRep:    runReqRep,
	scenario.PatternPushPull:  runPushPull,
	scenario.PatternPubSub:    runPubSub,
	scenario.PatternHeartbeat: runHeartbeat,
	scenario.PatternSurvey:    runSurvey,
}

// withDefaults fills in the zero fields.
func (s Spec) withDefaults() Spec {
	if s.Concurrency <= 0 {
		s.Concurrency = 1
		if s.Rate > 0 {
			s.Concurrency = DefaultInFlight
		}
	}
	s.Spec = s.WithDefaults()
	if s.Endpoint == "" {
		s.Endpoint = api.Health
	}
	if s.Task == "" {
		s.Task = api.TaskEcho
	}
	return s
}

// validate returns every problem of s, joined; an unsupported pattern
// alone, as ErrUnsupported.
func (s Spec) validate() error {
	if _, ok := drivers[s.Pattern]; !ok {
		return fmt.Errorf("%w: %q (bus and pair run in raw mode only)", ErrUnsupported, s.Pattern)
	}
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrSpec}, a...)...))
	}
	errs = append(errs, s.Problems(ErrSpec)...)
	if s.Pattern == scenario.PatternReqRep && s.Endpoint != "" && !slices.Contains(Endpoints, s.Endpoint) {
		bad("endpoint %q: impl reqrep calls only %v", s.Endpoint, Endpoints)
	}
	if s.Via != "" && (s.Pattern != scenario.PatternReqRep || s.Via != scenario.ViaControlPlane) {
		bad("via %q: only reqrep, and only %q", s.Via, scenario.ViaControlPlane)
	} else if s.Via == "" && slices.Contains(scenario.PlacedEndpoints, s.Endpoint) {
		bad("endpoint %s: only via %q, which places instances", s.Endpoint, scenario.ViaControlPlane)
	}
	if s.Pattern == scenario.PatternPushPull && s.Task != "" && !slices.Contains(tasks, s.Task) {
		bad("task %q: must be one of %v", s.Task, tasks)
	}
	return errors.Join(errs...)
}
