// Package controlplane is the cluster manager's control plane: it keeps the
// registry of worker nodes from their registrations and heartbeats, places
// instances on the least-loaded node and migrates them off nodes that go
// silent, reconciles nodes that come back so that every instance lives on
// exactly one node, broadcasts config versions, and hands out tasks under
// leases, dispatching again those not completed in time.
//
// It speaks the contract of impl/api over the messaging layer: REP for
// workers and for the admin API, PUB for broadcasts, PUSH/PULL for tasks and
// results, and a REQ client per worker (with retries and a circuit breaker).
package controlplane

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/clock"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/pipeline"
	"github.com/nngbench/nngbench/impl/pubsub"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/survey"
)

// ControlPlane is one control plane. Create it with New, bind it with
// Start, stop it with Close. Its methods are safe for concurrent use.
type ControlPlane struct {
	cfg  Config
	opts Options
	log  *slog.Logger
	clk  clock.Clock

	// ctx ends at Close; every goroutine and every command in flight
	// selects on it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	life  sync.Mutex   // orders Start and Close
	state atomic.Int32 // stateNew, stateStarted, stateClosed; read without life

	// Set by Start, read-only afterwards.
	rep, admin *reqrep.Server
	pub        *pubsub.Publisher
	push       *pipeline.Pusher
	pull       *pipeline.Puller
	client     *reqrep.Client
	surveyor   *survey.Surveyor
	httpSrv    *http.Server
	collector  *collector
	addrs      map[string]string

	mu    sync.Mutex // guards reg
	reg   registry
	locks keyedLock // one per instance id: one placement change at a time
	// peerMu orders peer changes (registration of a new address) so that
	// two registrations of a node cannot interleave removing and adding.
	peerMu sync.Mutex
	kick   chan struct{} // wakes the repair loop; capacity 1

	pubMu    sync.Mutex // orders config versions: stored, published, then current
	cfgMu    sync.Mutex // guards snapshot
	snapshot api.ConfigSnapshot

	tasks     *taskQueue
	observers observers
	// store keeps the state in data_dir (memStore without); set by Start.
	store       store
	storeFailed atomic.Bool // its failure has been logged
	rejects     rejectLog
	rounds      chan round // from dispatch to sendRounds (data_dir)
}

// New checks cfg and opts; it opens nothing until Start.
func New(cfg Config, opts Options) (*ControlPlane, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("controlplane: config: %w", err)
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults(cfg)
	cp := &ControlPlane{
		cfg:      cfg,
		opts:     opts,
		log:      opts.Logger,
		clk:      opts.Clock,
		reg:      newRegistry(),
		locks:    keyedLock{held: map[string]chan struct{}{}},
		kick:     make(chan struct{}, 1),
		snapshot: api.ConfigSnapshot{Values: map[string]string{}},
		store:    memStore{},
		rounds:   make(chan round, roundsInFlight),
	}
	cp.ctx, cp.cancel = context.WithCancel(context.Background())
	cp.tasks = newTaskQueue(cfg.Tasks.BatchSize, taskBudget(cfg), opts.MaxLeasedTasks)
	return cp, nil
}

// Start opens the data_dir and restores what it holds (see Config.DataDir),
// binds every socket and the metrics endpoint and starts the background
// work; it returns once all are bound. ctx bounds the start
// only: the control plane runs until Close. On error, whatever was opened
// is closed again.
func (cp *ControlPlane) Start(ctx context.Context) error {
	cp.life.Lock()
	defer cp.life.Unlock()
	switch cp.state.Load() {
	case stateClosed:
		return ErrClosed
	case stateStarted:
		return ErrStarted
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("controlplane: start: %w", err)
	}
	if err := cp.openStore(); err != nil {
		cp.state.Store(stateClosed)
		cp.cancel()
		return errors.Join(err, cp.store.close())
	}
	if err := cp.open(); err != nil {
		// A half-opened control plane is not started again: what it bound
		// may be half torn down.
		cp.state.Store(stateClosed)
		cp.cancel()
		return errors.Join(err, cp.closeSockets())
	}
	cp.state.Store(stateStarted)
	cp.goroutine(cp.monitor)
	cp.goroutine(cp.repairLoop)
	cp.goroutine(cp.dispatch)
	cp.goroutine(cp.sendRounds)
	cp.goroutine(cp.readResults)
	cp.log.Info(fmt.Sprintf("Control plane %s started", cp.cfg.NodeID), "bind", cp.addrs["bind"], "admin", cp.addrs["admin"])
	return nil
}

func (cp *ControlPlane) goroutine(f func(ctx context.Context)) {
	cp.wg.Add(1)
	go func() {
		defer cp.wg.Done()
		f(cp.ctx)
	}()
}

// Addresses returns the bound addresses by role, as in api.Ready:
// "bind", "pub", "tasks", "results", "survey", "admin" and "metrics"
// (host:port).
// It is empty before Start.
func (cp *ControlPlane) Addresses() map[string]string {
	if cp.state.Load() == stateNew {
		return map[string]string{}
	}
	return maps.Clone(cp.addrs) // written before the state left stateNew
}

// Metrics returns the counters of every socket.
func (cp *ControlPlane) Metrics() metrics.Snapshot { return cp.opts.Metrics.Snapshot() }

// Close stops the background work, closes every socket and returns once
// every goroutine has ended. Without a data_dir, tasks not completed are
// forgotten; with one, they are dispatched again by the next Start on it.
// It is safe to call more than once, and before Start.
func (cp *ControlPlane) Close() error {
	cp.life.Lock()
	defer cp.life.Unlock()
	// Request handlers read the state while Close waits for them, so it is
	// an atomic and not guarded by life.
	prev := cp.state.Swap(stateClosed)
	if prev == stateClosed {
		return nil
	}
	cp.cancel()
	err := cp.closeSockets()
	if prev == stateStarted {
		cp.log.Info(fmt.Sprintf("Control plane %s stopped", cp.cfg.NodeID))
	}
	return err
}

// closeSockets closes what open opened: first what brings work in (the
// servers and the metrics endpoint), then, once the background goroutines
// have ended, the sockets they use, so that none of them fails on a
// closed socket on the way out.
func (cp *ControlPlane) closeSockets() error {
	var errs []error
	for _, s := range []*reqrep.Server{cp.rep, cp.admin} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	if cp.httpSrv != nil {
		errs = append(errs, ignoreClosed(cp.httpSrv.Close()))
	}
	if cp.collector != nil {
		cp.opts.Metrics.Prometheus().Unregister(cp.collector)
	}
	cp.wg.Wait() // ctx is cancelled: every loop returns
	if cp.pub != nil {
		errs = append(errs, cp.pub.Close())
	}
	if cp.push != nil {
		errs = append(errs, cp.push.Close())
	}
	if cp.pull != nil {
		errs = append(errs, cp.pull.Close())
	}
	if cp.client != nil {
		errs = append(errs, cp.client.Close())
	}
	if cp.surveyor != nil {
		errs = append(errs, cp.surveyor.Close())
	}
	errs = append(errs, cp.store.close()) // last: what the loops queued is written
	return errors.Join(errs...)
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// running returns ErrNotStarted or ErrClosed unless the control plane is
// started and not closed.
func (cp *ControlPlane) running() error {
	switch cp.state.Load() {
	case stateClosed:
		return ErrClosed
	case stateNew:
		return ErrNotStarted
	}
	return nil
}

// Lifecycle states.
const (
	stateNew int32 = iota
	stateStarted
	stateClosed
)

// bound returns ctx that also ends at Close.
func (cp *ControlPlane) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(cp.ctx, cancel)
	return ctx, func() {
		stop()
		cancel()
	}
}

// wake asks the repair loop for a pass soon; it never blocks.
func (cp *ControlPlane) wake() {
	select {
	case cp.kick <- struct{}{}:
	default:
	}
}
