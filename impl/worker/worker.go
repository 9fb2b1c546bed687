// Package worker is the worker of the cluster manager: it registers with
// the control plane and heartbeats, serves instance commands on its REP
// socket, follows config broadcasts in version order, and executes task
// batches at most once per task id, journaling each execution only after
// its result has been written to the control plane.
//
// Instances are simulated records (an id, an image, a config, a state),
// not real VMs or containers: creating one waits instances.start_seconds
// and stores the record, in instances.state_file when it is set.
package worker

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nngbench/nngbench/impl/clock"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/pipeline"
	"github.com/nngbench/nngbench/impl/pubsub"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/survey"
	"github.com/nngbench/nngbench/impl/transport"
)

// Errors of this package; returned errors wrap them.
var (
	ErrConfig         = errors.New("worker: invalid config")
	ErrStarted        = errors.New("worker: already started")
	ErrClosed         = errors.New("worker: closed")
	ErrBadRequest     = errors.New("worker: bad request")
	ErrUnknownKind    = errors.New("worker: unknown task kind")
	ErrResultTooLarge = errors.New("worker: result exceeds max_message_size")
)

// cpPeer is the reqrep peer name of the control plane.
const cpPeer = "controlplane"

// Options are the worker's collaborators; zero fields take defaults.
type Options struct {
	Logger  *slog.Logger      // nil: discard
	Metrics *metrics.Registry // nil: a private registry
	Clock   clock.Clock       // heartbeats, leases, simulated waits (sockets keep real time); nil: real time
}

// Stats are the worker's counters.
type Stats struct {
	Instances         int
	ConfigVersion     uint64
	Registered        bool   // registered and not since forgotten
	Registrations     uint64 // successful registrations
	RegisterFailures  uint64 // registration attempts that failed
	Heartbeats        uint64 // heartbeats answered
	HeartbeatFailures uint64
	ConfigBroadcasts  uint64 // config updates received, applied or not
	ConfigRejected    uint64 // of those, refused: not signed with the shared secret
	ConfigFetches     uint64 // snapshots fetched from the control plane
	TasksExecuted     uint64
	TasksReplayed     uint64 // answered from the record of completed tasks
	TasksExpired      uint64 // tasks of batches dropped because their lease passed
	ResultsLost       uint64 // results not known to be written (not journaled)
	// ConfigJournalFailures counts config journal lines (boot or
	// receipt) whose write failed.
	ConfigJournalFailures uint64
}

// Worker is one worker node. New, then Start; Close stops it.
type Worker struct {
	cfg    Config
	log    *slog.Logger // component "worker"
	logger *slog.Logger // as given, for the messaging layer
	clk    clock.Clock
	reg    *metrics.Registry
	topts  transport.Options // message size, TLS, redial backoff
	key    *envelope.Key     // auth.secret_file: what config updates must be signed with; nil: none

	instances *instanceStore
	conf      configState
	history   *configHistory // with the config journal, if any
	done      *completed
	journal   *journal // nil without tasks.journal_file
	res       *sampler
	counters  counters
	coll      *collector

	server  *reqrep.Server
	client  *reqrep.Client
	sub     *pubsub.Subscriber
	puller  *pipeline.Puller
	pusher  *pipeline.Pusher
	httpSrv *http.Server

	surveyMu     sync.Mutex
	respondent   *survey.Respondent // nil until the survey address is known
	surveyAddr   string
	surveyClosed bool
	sendMu       sync.Mutex // one result batch pushed, drained and journaled at a time
	seq          uint64     // result envelopes' sequence; under sendMu

	life    sync.Mutex // orders Start and Close
	started bool       // under life
	closed  bool       // under life

	mu        sync.Mutex
	addrs     map[string]string
	advertise string

	runCtx      context.Context // ends at Close: loops stop, running tasks stop
	stopRun     context.CancelFunc
	flushCtx    context.Context // ends a short while after Close: result delivery gives up
	stopFlush   context.CancelFunc
	loops       sync.WaitGroup
	taskLoops   sync.WaitGroup
	registered  atomic.Bool
	beatSeq     atomic.Uint64 // heartbeats sent, retries not counted
	closeOnce   sync.Once
	closeResult error
}

// New checks cfg, loads what the worker keeps on disk (instances, task
// journal) and opens the config journal; it opens no socket.
func New(cfg Config, opts Options) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.NewRegistry()
	}
	topts, err := transportOptions(cfg.Messaging)
	if err != nil {
		return nil, err
	}
	key, err := authKey(cfg.Auth)
	if err != nil {
		return nil, err
	}
	w := &Worker{
		cfg: cfg, log: logging.Component(opts.Logger, "worker"), logger: opts.Logger, clk: opts.Clock,
		reg: opts.Metrics, topts: topts, key: key, addrs: map[string]string{},
		done: newCompleted(completedLimit), res: newSampler(diskPath(cfg)),
	}
	w.runCtx, w.stopRun = context.WithCancel(context.Background())
	w.flushCtx, w.stopFlush = context.WithCancel(context.Background())
	if w.instances, err = loadInstances(cfg.Instances.StateFile); err != nil {
		return nil, err
	}
	if cfg.Tasks.JournalFile != "" {
		ids, j, err := openJournal(cfg.Tasks.JournalFile, completedLimit)
		if err != nil {
			return nil, err
		}
		w.journal = j
		w.done.seed(ids)
	}
	var cj *configJournal
	if cfg.ConfigJournalFile != "" {
		if cj, err = openConfigJournal(cfg.ConfigJournalFile); err != nil {
			if w.journal != nil {
				err = errors.Join(err, w.journal.Close())
			}
			return nil, err
		}
	}
	w.history = newConfigHistory(historyLimit, rand.Text(), cj)
	return w, nil
}

// transportOptions maps the messaging config onto the layer's options.
func transportOptions(m MessagingConfig) (transport.Options, error) {
	o := transport.Options{
		MaxMessageSize:   m.MaxMessageSizeMB << 20,
		MaxReconnectTime: m.ReconnectInterval.D(),
		ReconnectTime:    min(100*time.Millisecond, m.ReconnectInterval.D()),
	}
	if !m.TLS.Enabled() {
		return o, nil
	}
	mat, err := m.TLS.Load()
	if err != nil {
		return o, fmt.Errorf("%w: messaging.%w", ErrConfig, err)
	}
	o.DialTLS = mat.Client()
	if mat.Cert != nil {
		if o.TLS, err = mat.Server(); err != nil {
			return o, fmt.Errorf("%w: messaging.%w", ErrConfig, err)
		}
	}
	return o, nil
}

// Start binds the command socket and the metrics listener, dials the
// control plane's sockets (in the background: they need not be up) and
// starts the loops. It returns once bound; registration goes on in the
// background. ctx bounds the start only; the worker runs until Close. On
// error everything started is stopped again.
func (w *Worker) Start(ctx context.Context) error {
	w.life.Lock()
	err := w.start(ctx)
	w.life.Unlock()
	if err != nil && !errors.Is(err, ErrStarted) {
		_ = w.Close()
	}
	return err
}

// start runs under life, so that a Close racing it waits for it.
func (w *Worker) start(ctx context.Context) error {
	switch {
	case w.closed:
		return ErrClosed
	case w.started:
		return ErrStarted
	}
	w.started = true
	if err := w.history.started(w.clk.Now()); err != nil {
		w.configJournalFailed("boot line", err)
	}
	if err := w.open(ctx); err != nil {
		return err
	}
	w.loops.Add(2)
	go w.lifecycle(w.runCtx)
	go w.followConfig(w.runCtx)
	for range w.cfg.Tasks.Concurrency {
		w.taskLoops.Add(1)
		go w.taskLoop(w.runCtx)
	}
	w.log.Info(fmt.Sprintf("Worker %s started on %s", w.cfg.NodeID, w.Addresses()["bind"]))
	return nil
}

// Addresses returns the bound addresses by role: "bind" (the command
// socket), "advertise" (what the control plane is told) and "metrics"
// (host:port).
func (w *Worker) Addresses() map[string]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]string, len(w.addrs))
	for k, v := range w.addrs {
		out[k] = v
	}
	return out
}

// Stats returns the worker's counters.
func (w *Worker) Stats() Stats {
	c := &w.counters
	return Stats{
		Instances:         w.instances.len(),
		ConfigVersion:     w.conf.version(),
		Registered:        w.registered.Load(),
		Registrations:     c.registrations.Load(),
		RegisterFailures:  c.registerFailures.Load(),
		Heartbeats:        c.heartbeats.Load(),
		HeartbeatFailures: c.heartbeatFailures.Load(),
		ConfigBroadcasts:  c.configBroadcasts.Load(),
		ConfigRejected:    c.configRejected.Load(),
		ConfigFetches:     c.configFetches.Load(),
		TasksExecuted:     c.executed.Load(),
		TasksReplayed:     c.replayed.Load(),
		TasksExpired:      c.expired.Load(),
		ResultsLost:       c.resultsLost.Load(),

		ConfigJournalFailures: c.configJournalFailures.Load(),
	}
}

// Close stops the loops and running tasks, gives results already computed
// a short while to reach the wire, closes every socket and the metrics
// listener, and returns once every goroutine has ended. It is safe to call
// more than once, and without Start.
func (w *Worker) Close() error {
	w.closeOnce.Do(func() { w.closeResult = w.shutdown() })
	return w.closeResult
}

func (w *Worker) shutdown() error {
	w.life.Lock()
	w.closed = true // no Start from now on; one under way has finished
	w.life.Unlock()
	w.stopRun()
	// Batches whose tasks have run still deliver, bounded: a control plane
	// that is gone must not hold the worker up.
	grace := time.AfterFunc(drainGrace(w.cfg), w.stopFlush)
	w.taskLoops.Wait()
	grace.Stop()
	w.stopFlush()
	var errs []error
	closeIt := func(c interface{ Close() error }, ok bool) {
		if ok {
			errs = append(errs, c.Close())
		}
	}
	closeIt(w.server, w.server != nil)
	closeIt(w.client, w.client != nil)
	closeIt(w.sub, w.sub != nil)
	closeIt(w.puller, w.puller != nil)
	closeIt(w.pusher, w.pusher != nil)
	if w.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if err := w.httpSrv.Shutdown(ctx); err != nil {
			errs = append(errs, w.httpSrv.Close())
		}
		cancel()
	}
	w.loops.Wait()
	errs = append(errs, w.closeSurveys()) // after the loops: registration dials it
	if w.coll != nil {
		w.reg.Prometheus().Unregister(w.coll)
	}
	closeIt(w.journal, w.journal != nil)
	closeIt(w.history, true)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("worker: close: %w", err)
	}
	return nil
}

// drainGrace bounds how long Close waits for results to be written.
func drainGrace(cfg Config) time.Duration {
	return min(cfg.Messaging.RequestTimeout.D(), 2*time.Second)
}

// serveMetrics binds the metrics listener and serves /metrics.
func (w *Worker) serveMetrics() (string, error) {
	l, err := net.Listen("tcp", w.cfg.MetricsAddress)
	if err != nil {
		return "", fmt.Errorf("worker: metrics listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", w.reg.Handler())
	w.httpSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	w.loops.Add(1)
	go func() {
		defer w.loops.Done()
		if err := w.httpSrv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			w.log.Error("metrics server stopped", "error", err)
		}
	}()
	return l.Addr().String(), nil
}
