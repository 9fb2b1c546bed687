// Package api is the contract between the control plane and its workers:
// the endpoints each serves and the JSON payloads they exchange in envelope
// data. Both sides, cpctl and the harness import it; it imports nothing of
// theirs.
package api

import (
	"errors"
	"time"
)

// Endpoints the worker serves on its command socket (REP at its
// bind_address; the control plane dials its advertised address).
const (
	InstancesCreate  = "/instances/create" // CreateInstance -> Instance
	InstancesDelete  = "/instances/delete" // DeleteInstance -> DeleteResult
	InstancesList    = "/instances/list"   // nothing -> InstanceList
	Health           = "/health"           // nothing -> WorkerHealth
	ConfigGet        = "/config"           // nothing -> ConfigSnapshot (what the worker applied)
	ConfigHistoryGet = "/config/history"   // ConfigHistoryQuery -> ConfigHistory (when each version came)
)

// Endpoints the control plane serves to workers (REP at its bind_address).
const (
	NodesRegister  = "/nodes/register"  // Register -> RegisterReply
	NodesHeartbeat = "/nodes/heartbeat" // Heartbeat (envelope type heartbeat) -> HeartbeatReply
	ConfigLatest   = "/config/snapshot" // nothing -> ConfigSnapshot (the latest)
)

// SurveyStatus is the survey workers answer (RESPONDENT, dialing the
// control plane's SURVEYOR): nothing -> SurveyAnswer. Data in the survey
// is ignored.
const SurveyStatus = "/survey/status"

// Endpoints of the control plane's admin socket (REP at admin_address),
// used by cpctl and by programs that drive a control plane from outside.
const (
	AdminNodes          = "/admin/nodes"            // nothing -> []Node
	AdminInstances      = "/admin/instances"        // nothing -> []Instance
	AdminCreateInstance = "/admin/instances/create" // CreateInstance -> Instance (placed by the control plane)
	AdminDeleteInstance = "/admin/instances/delete" // DeleteInstance -> DeleteResult
	AdminSockets        = "/admin/sockets"          // nothing -> metrics.Snapshot
	AdminConfigSet      = "/admin/config/set"       // ConfigSet -> ConfigSnapshot
	AdminTasksSubmit    = "/admin/tasks/submit"     // []Task -> TaskSubmitted
	AdminTasksStatus    = "/admin/tasks/status"     // nothing -> TaskStats
)

// Pub/sub topics the control plane publishes (PUB at pub_address).
const (
	TopicConfigUpdate = "config.update" // ConfigSnapshot: the new version and its values
	TopicNodeOffline  = "node.offline"  // NodeEvent
	TopicNodeOnline   = "node.online"   // NodeEvent
)

// TaskEndpoint is the endpoint of task batches (PUSH at task_address, the
// workers pull) and ResultEndpoint of result batches (workers push to the
// control plane's PULL at result_address).
const (
	TaskEndpoint   = "/tasks"
	ResultEndpoint = "/tasks/results"
)

// Links names the connections between a worker and the control plane, as
// fault injection and metrics name them.
var Links = []string{"commands", "heartbeats", "broadcasts", "tasks", "results", "surveys"}

// Node status values.
const (
	StatusOnline  = "online"
	StatusOffline = "offline"
)

// Register is a worker introducing itself, on start and whenever the
// control plane does not know it (after a control plane restart).
type Register struct {
	NodeID  string `json:"node_id"`
	Address string `json:"address"` // where the control plane reaches its command socket
	// Instances are the instances the worker has: after a partition or a
	// restart with state, the control plane reconciles them.
	Instances []string  `json:"instances"`
	Resources Resources `json:"resources"`
}

// RegisterReply tells the worker how often to beat and the config version.
type RegisterReply struct {
	HeartbeatIntervalSeconds float64 `json:"heartbeat_interval_seconds"`
	ConfigVersion            uint64  `json:"config_version"`
	// SurveyAddress is where the control plane's SURVEYOR listens, for
	// workers whose config names none; empty: it surveys nobody.
	SurveyAddress string `json:"survey_address,omitempty"`
}

// SurveyAnswer is a worker's answer to SurveyStatus: small, so that a
// survey of many workers measures the messaging, not the payloads.
type SurveyAnswer struct {
	NodeID        string `json:"node_id"`
	Status        string `json:"status"`
	Instances     int    `json:"instances"`
	ConfigVersion uint64 `json:"config_version"`
}

// Heartbeat is the reference payload, sent every heartbeat interval.
type Heartbeat struct {
	NodeID    string    `json:"node_id"`
	Timestamp time.Time `json:"timestamp"` // when it was sent
	Status    string    `json:"status"`
	Instances []string  `json:"instances"` // ids of the instances on the node
	Resources Resources `json:"resources"`
	// Seq numbers the worker's heartbeats from 1 since it started: a gap is
	// a beat that never arrived, a repeat is a retried one.
	Seq uint64 `json:"seq,omitempty"`
	// Due is when the worker's schedule wanted it sent; Timestamp - Due is
	// how late the worker was (busy, paused, a slow previous beat).
	Due time.Time `json:"due,omitzero"`
}

// Resources are measured on the worker's host.
type Resources struct {
	CPUPercent    float64 `json:"cpu_percent"`
	MemoryPercent float64 `json:"memory_percent"`
	DiskPercent   float64 `json:"disk_percent"`
}

// HeartbeatReply lets a worker notice that the control plane forgot it
// (Known false: register again) or that it missed a config broadcast.
type HeartbeatReply struct {
	Known         bool   `json:"known"`
	ConfigVersion uint64 `json:"config_version"`
}

// Instance is a simulated VM or container.
type Instance struct {
	ID        string            `json:"id"`
	Image     string            `json:"image"`
	Config    map[string]string `json:"config,omitempty"`
	State     string            `json:"state"` // "running"
	Node      string            `json:"node,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
}

// CreateInstance asks for an instance. The control plane sets ID, so that a
// retried or migrated create is idempotent; through the admin API the ID
// may be left empty and the control plane picks one.
type CreateInstance struct {
	ID     string            `json:"instance_id,omitempty"`
	Image  string            `json:"image"`
	Config map[string]string `json:"config,omitempty"`
}

// Validate reports what is wrong with a create request.
func (c CreateInstance) Validate() error {
	if c.Image == "" {
		return errors.New("image: required")
	}
	return nil
}

// DeleteInstance names an instance to delete.
type DeleteInstance struct {
	ID string `json:"instance_id"`
}

// DeleteResult says whether the instance existed.
type DeleteResult struct {
	ID      string `json:"instance_id"`
	Deleted bool   `json:"deleted"`
}

// InstanceList is a worker's instances.
type InstanceList struct {
	Instances []Instance `json:"instances"`
}

// WorkerHealth answers /health.
type WorkerHealth struct {
	NodeID        string    `json:"node_id"`
	Status        string    `json:"status"`
	Instances     int       `json:"instances"`
	ConfigVersion uint64    `json:"config_version"`
	Resources     Resources `json:"resources"`
	TasksExecuted uint64    `json:"tasks_executed"`
}

// ConfigSnapshot is a config version and its values: the payload of
// config.update broadcasts and of snapshot replies.
type ConfigSnapshot struct {
	Version uint64            `json:"version"`
	Values  map[string]string `json:"values"`
}

// ConfigHistoryQuery asks a worker for the config receipts numbered above
// After, at most Limit of them (0: the worker's page size).
type ConfigHistoryQuery struct {
	After uint64 `json:"after"`
	Limit int    `json:"limit,omitempty"`
}

// ConfigHistory is a page of a worker's config receipts, oldest first.
// The worker keeps a bounded number: First is the lowest N it still holds,
// so a reader whose After is below First-1 has missed some.
type ConfigHistory struct {
	Entries []ConfigReceipt `json:"entries"`
	First   uint64          `json:"first"`
	Last    uint64          `json:"last"` // the highest N so far; 0 before the first receipt
	// Boot names the worker process instance that numbered these
	// receipts (as the boot line of its config journal does): a restarted
	// worker numbers from 1 again under a new Boot.
	Boot string `json:"boot"`
}

// How a worker came by a config version.
const (
	ConfigViaBroadcast = "broadcast" // a config.update broadcast
	ConfigViaSnapshot  = "snapshot"  // a snapshot fetched from the control plane
)

// ConfigReceipt is one config version a worker received: every broadcast
// (applied, stale or ahead of a gap) and every snapshot it applied.
type ConfigReceipt struct {
	N       uint64    `json:"n"` // numbers the receipts from 1
	Version uint64    `json:"version"`
	At      time.Time `json:"at"` // when it was read off the socket
	Via     string    `json:"via"`
	Applied bool      `json:"applied"` // it became the worker's config
}

// ConfigSet changes config values (admin); the control plane broadcasts the
// new version.
type ConfigSet struct {
	Values map[string]string `json:"values"`
}

// Node is the control plane's view of a worker.
type Node struct {
	ID        string    `json:"node_id"`
	Address   string    `json:"address"`
	Status    string    `json:"status"`
	LastSeen  time.Time `json:"last_seen"`
	Instances []string  `json:"instances"` // placed here by the control plane
	Resources Resources `json:"resources"`
}

// NodeEvent is the payload of node.offline and node.online.
type NodeEvent struct {
	NodeID string    `json:"node_id"`
	At     time.Time `json:"at"`
}

// Task kinds a worker executes.
const (
	TaskEcho  = "echo"  // output = payload
	TaskSleep = "sleep" // waits SleepMS, output = payload
	TaskHash  = "hash"  // output = hex SHA-256 of payload, Rounds times
)

// Task is one unit of work.
type Task struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Payload string `json:"payload,omitempty"`
	SleepMS int    `json:"sleep_ms,omitempty"`
	Rounds  int    `json:"rounds,omitempty"`
	// Lease is set by the control plane on each dispatch: a token that
	// names this lease of this task and that only the control plane can
	// make. A worker copies it into the task's result; a result without
	// the token of the task's latest lease does not complete it. Ignored
	// on submit.
	Lease string `json:"lease,omitempty"`
}

// TaskBatch is what the control plane pushes: several tasks in one message
// under load, and the lease: a worker must not complete a task after
// LeaseUntil, as the control plane may by then have given it to another.
type TaskBatch struct {
	Tasks      []Task    `json:"tasks"`
	LeaseUntil time.Time `json:"lease_until"`
}

// TaskResult is a worker's answer for one task.
type TaskResult struct {
	TaskID string `json:"task_id"`
	NodeID string `json:"node_id"`
	// Lease is the Lease of the task as the worker received it, in the
	// batch it answers.
	Lease  string `json:"lease,omitempty"`
	Output string `json:"output,omitempty"`
	Error  string `json:"error,omitempty"`
	// Replayed is true when the worker had already executed the task and
	// sent its recorded result again instead of executing it twice.
	Replayed bool `json:"replayed,omitempty"`
	// StartedAt and FinishedAt bound the execution on the worker's clock
	// (a replay carries those of the execution it repeats; zero when the
	// worker no longer knows them).
	StartedAt  time.Time `json:"started_at,omitzero"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// ResultBatch is what a worker pushes back.
type ResultBatch struct {
	Results []TaskResult `json:"results"`
}

// TaskSubmitted answers a submit.
type TaskSubmitted struct {
	Accepted int `json:"accepted"`
}

// TaskStats counts the control plane's tasks since it started; with a
// data_dir, Accepted, Completed and Pending count across its restarts.
type TaskStats struct {
	Accepted    uint64 `json:"accepted"`
	Completed   uint64 `json:"completed"`
	Pending     uint64 `json:"pending"` // accepted, not completed
	Dispatches  uint64 `json:"dispatches"`
	Redelivered uint64 `json:"redelivered"`
	Duplicates  uint64 `json:"duplicate_results"` // results for tasks already completed
	// Rejected counts results that carry no lease the control plane
	// issued for their task (forged, or for a task it never accepted);
	// Stale those with a real lease of a pending task that a later lease
	// replaced. Neither completes a task.
	Rejected uint64 `json:"rejected_results"`
	Stale    uint64 `json:"stale_results"`
}

// Ready is what cmd/controlplane and cmd/worker write to the file named by
// --ready-file once every socket is bound, so that whoever started them
// (tests, the harness) learns the real addresses when ports were 0. It is
// written to a temporary name and renamed, so a reader never sees half.
type Ready struct {
	NodeID string `json:"node_id"`
	PID    int    `json:"pid"`
	// Addresses by role. Control plane: "bind", "pub", "tasks", "results",
	// "admin", "metrics"; worker: "bind", "metrics". Metrics is a host:port.
	Addresses map[string]string `json:"addresses"`
}
