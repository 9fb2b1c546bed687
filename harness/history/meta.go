package history

import (
	"time"

	"github.com/nngbench/nngbench/harness/result"
)

// Schema names the layout of a history file and of Meta. Change it
// whenever a field is removed, renamed or changes meaning.
const Schema = "nngbench/history/v1"

// FileName is the history's name in a run's folder, beside result.json.
const FileName = "history.nnh"

// Owed says which peers a workload's messages are owed to: what a
// receipt that never came counts against.
type Owed string

// Owed values.
const (
	OwedOne  Owed = "one"  // the peer it was sent to (request/reply, heartbeats)
	OwedAny  Owed = "any"  // any one peer (push/pull: whoever took it)
	OwedEach Owed = "each" // every peer (pub/sub, bus, survey)
)

// Last says what a workload's time-to-last figure times.
type Last string

// Last values.
const (
	LastNone  Last = ""      // none
	LastEach  Last = "each"  // until the last live peer had the message (fan-out)
	LastStart Last = "start" // until the first receipt's T2 (pushpull: execution start)
)

// Meta is everything of a run that is not an op: what each workload was,
// when the run happened, what the cluster did, and the parts of the result
// that the run observed rather than derived (the machine, the cluster's
// final state). With the ops it is all `nngbench analyze` needs to write
// result.json again.
type Meta struct {
	Schema string `json:"schema"`
	// Result is result.json's skeleton: everything the run knew that is
	// not derived from the ops (scenario, machine, timing, faults with
	// their real start and end, the checks of the cluster's final state,
	// and the run's own failures in Invalid); Workloads, Recovery, Gates
	// and Valid are derived again.
	Result result.Result `json:"result"`
	// Gates are the scenario's gate expressions, evaluated last.
	Gates []string `json:"gates"`
	// Interrupted, when set, is when the run was cut short (Ctrl-C).
	Interrupted time.Time `json:"interrupted,omitzero"`
	// Interval is the width of the result's time series.
	Interval  time.Duration `json:"interval_ns"`
	Workloads []Workload    `json:"workloads"`
	Events    []Event       `json:"events"`
}

// Workload is what one workload of the run was, for the figures derived
// from its ops.
type Workload struct {
	Name        string  `json:"name"`
	Pattern     string  `json:"pattern"`
	Mode        string  `json:"mode"`
	Model       string  `json:"model"`        // result.ModelOpen or ModelClosed
	PlannedRate float64 `json:"planned_rate"` // what the load ran at, per second over every sender; 0 closed loop
	// Rate is the rate the scenario planned, the result's planned_rate:
	// heartbeats run at the cluster's rate (PlannedRate) whatever it says.
	Rate        float64 `json:"rate"`
	Concurrency int     `json:"concurrency"`
	// Transport is, raw mode, how the peers reached the hub.
	Transport string `json:"transport,omitempty"`
	// Peers names the receivers; an op's Peer indexes it.
	Peers []string `json:"peers"`
	Owed  Owed     `json:"owed"`
	// Ordered says each peer should get each sender's messages in order:
	// count reordering.
	Ordered bool `json:"ordered"`
	Last    Last `json:"last,omitempty"`
	// Start, Window and End are the schedule's start, the end of warmup
	// and the schedule's end.
	Start  time.Time `json:"start"`
	Window time.Time `json:"window"`
	End    time.Time `json:"end"`
	// ExpectedInterval is, closed loop, how often one in-flight slot
	// would send if nothing stalled: the correction for the stalls.
	ExpectedInterval time.Duration `json:"expected_interval_ns,omitempty"`
	// Killed lists peers stopped mid-run by the workload itself: nothing
	// is owed to them after that for the time-to-last figure.
	Killed []int `json:"killed,omitempty"`
	// Survey says the workload's figures include the share of survey
	// answers that came before the deadline.
	Survey bool `json:"survey,omitempty"`
	// Executions says receipts not FlagReplayed are executions (tasks):
	// a peer's received count is what it executed, and duplicated counts
	// the executions of a task beyond its first, on one peer or several.
	Executions bool `json:"executions,omitempty"`
	// Cumulative says a receipt of sequence n means the peer has every
	// message up to n (config versions): the time-to-last figure takes
	// the first receipt at or above each message.
	Cumulative bool `json:"cumulative,omitempty"`
	// Interval is the width of the workload's time series, Meta.Interval:
	// analyze fills it in, the file keeps it once, in Meta. 0 is the
	// recorder's default.
	Interval time.Duration `json:"-"`
	// Failed is why the driver failed, if it did; Measured is false when
	// it measured nothing at all (then Failed says why, and it has no tapes).
	Failed   string `json:"failed,omitempty"`
	Measured bool   `json:"measured"`
}

// Event is something the cluster did, in the run's timeline: a node going
// offline or online, an instance migrated, a migration done, a config
// version applied by a worker, a task redelivered, a peer restarted.
type Event struct {
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"`
	Node     string    `json:"node,omitempty"`
	Instance string    `json:"instance,omitempty"`
	Detail   string    `json:"detail,omitempty"`
	// Version is the config version of a config event.
	Version uint64 `json:"version,omitempty"`
	// Boot numbers the process instances of Node (0 for the first, 1 after
	// its first restart, ...), for config_applied events.
	Boot int `json:"boot,omitempty"`
}

// Event kinds the harness adds to the control plane's own.
const (
	EventConfigApplied = "config_applied" // a worker had a config version (Node, Version, Boot; Detail: broadcast or snapshot)
)

// The control plane's event kinds a history holds (controlplane.EventKind's
// names), those the recovery figures read.
const (
	EventNodeOffline      = "node_offline"
	EventNodeOnline       = "node_online"
	EventInstanceMigrated = "instance_migrated" // Detail: "from <node>"
	EventMigrationDone    = "migration_done"
	EventConfigPublished  = "config_published" // Version set
	EventTaskRedelivered  = "task_redelivered"
)

// History is one run: its Meta and, per workload, its tapes of ops (each
// in the order one goroutine recorded them).
type History struct {
	Meta  Meta
	Tapes [][][]Op // [workload][tape][op]
}
