package controlplane

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nngbench/nngbench/impl/clock"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/metrics"
)

// Errors of this package; returned errors wrap them.
var (
	ErrNotStarted     = errors.New("controlplane: not started")
	ErrStarted        = errors.New("controlplane: already started")
	ErrClosed         = errors.New("controlplane: closed")
	ErrNoNodes        = errors.New("controlplane: no online node")
	ErrNotFound       = errors.New("controlplane: no such instance")
	ErrExists         = errors.New("controlplane: instance exists with another image")
	ErrBadRequest     = errors.New("controlplane: bad request")
	ErrDuplicateTask  = errors.New("controlplane: duplicate task id")
	ErrTaskTooLarge   = errors.New("controlplane: task too large")
	ErrInvalidOptions = errors.New("controlplane: invalid options")
)

// Options are what an embedding program supplies besides the config.
type Options struct {
	// Logger receives the logs; it is tagged component "controlplane" (the
	// sockets tag theirs "messaging", "pubsub", "pipeline"). nil discards.
	Logger *slog.Logger
	// Metrics holds every socket's counters, served on /metrics and by
	// /admin/sockets; nil: a new registry.
	Metrics *metrics.Registry
	// Clock times the heartbeat monitor, the repair loop and task leases;
	// nil: real time. Commands to workers (their timeouts, retries and
	// breakers) always run on real time, as they wait on real sockets.
	Clock clock.Clock
	// OnEvent, when set, is called synchronously for every Event, on the
	// goroutine that made the change (a request handler, the monitor, the
	// task dispatcher or the result reader), which waits for it: it must
	// return quickly and must not block. It is never called with a lock
	// held, so it may read the ControlPlane (Nodes, TaskStats, ...).
	OnEvent func(Event)
	// MaxLeasedTasks bounds the tasks dispatched and not yet completed or
	// expired, so that tasks do not wait in workers' queues past their
	// lease; default 256 batches (256 x tasks.batch_size).
	MaxLeasedTasks int
}

// withDefaults fills the zero fields.
func (o Options) withDefaults(cfg Config) Options {
	o.Logger = logging.Component(o.Logger, "controlplane")
	if o.Metrics == nil {
		o.Metrics = metrics.NewRegistry()
	}
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	if o.MaxLeasedTasks == 0 {
		o.MaxLeasedTasks = 256 * cfg.Tasks.BatchSize
	}
	return o
}

func (o Options) validate() error {
	if o.MaxLeasedTasks < 0 {
		return fmt.Errorf("%w: max_leased_tasks: must be >= 0, got %d", ErrInvalidOptions, o.MaxLeasedTasks)
	}
	return nil
}

// EventKind says what an Event reports.
type EventKind int

// The event kinds.
const (
	// NodeRegistered: a worker registered (for the first time or again).
	NodeRegistered EventKind = iota + 1
	// NodeOnline: an offline node was heard from again.
	NodeOnline
	// NodeOffline: a node was silent for heartbeat_timeout.
	NodeOffline
	// InstanceCreated: an instance was placed by CreateInstance, or adopted
	// from a node's report (Detail says so).
	InstanceCreated
	// InstanceDeleted: an instance was deleted by DeleteInstance.
	InstanceDeleted
	// InstanceMigrated: an instance of an offline node now lives on Node.
	InstanceMigrated
	// MigrationDone: every instance of the offline Node lives elsewhere
	// (Detail says how many and how long it took), or the node came back
	// before that (Detail says so).
	MigrationDone
	// InstanceReconciled: a returning node was corrected: a stale copy
	// deleted from it, or a missing instance re-created on it (Detail
	// starts with "deleted" or "re-created").
	InstanceReconciled
	// ConfigPublished: a config version was broadcast (Detail: version).
	ConfigPublished
	// TaskCompleted: the first result for Task arrived (Node: who ran it).
	TaskCompleted
	// TaskRedelivered: Task's lease ended without a result; it goes out again.
	TaskRedelivered
)

var kindNames = map[EventKind]string{
	NodeRegistered: "node_registered", NodeOnline: "node_online", NodeOffline: "node_offline",
	InstanceCreated: "instance_created", InstanceDeleted: "instance_deleted",
	InstanceMigrated: "instance_migrated", MigrationDone: "migration_done",
	InstanceReconciled: "instance_reconciled", ConfigPublished: "config_published",
	TaskCompleted: "task_completed", TaskRedelivered: "task_redelivered",
}

func (k EventKind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("event(%d)", int(k))
}

// Event is something the control plane did or saw, for programs that embed
// it (the harness measures detection and recovery times with them).
type Event struct {
	Kind     EventKind
	Node     string // the node concerned, if any
	Instance string // the instance concerned, if any
	Task     string // the task concerned, if any
	At       time.Time
	Detail   string
}

func (e Event) String() string {
	return fmt.Sprintf("%s node=%s instance=%s task=%s %s", e.Kind, e.Node, e.Instance, e.Task, e.Detail)
}

// emit delivers events to OnEvent; callers hold no lock.
func (cp *ControlPlane) emit(events ...Event) {
	if cp.opts.OnEvent == nil {
		return
	}
	for _, e := range events {
		if e.At.IsZero() {
			e.At = cp.clk.Now()
		}
		cp.opts.OnEvent(e)
	}
}
