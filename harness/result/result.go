// Package result defines result.json, the versioned record of one scenario run that the harness writes and that reports and gates read.
package result

import "time"

// Schema names the layout of Result. Change it whenever a field is removed,
// renamed or changes meaning, so that an old reader refuses a new file rather
// than misreading it.
const Schema = "nngbench/result/v1"

// Result is one run of one scenario. It is the only thing reports and gates
// read, so everything they need is here and nothing refers back to the run.
type Result struct {
	Schema      string     `json:"schema"` // always Schema; Write fills it in when empty
	Scenario    string     `json:"scenario"`
	Description string     `json:"description,omitempty"`
	Workers     int        `json:"workers"`
	Transport   string     `json:"transport"` // "inproc", "tcp", "tls+tcp", ...
	Seed        int64      `json:"seed"`
	StartedAt   time.Time  `json:"started_at"`
	DurationS   float64    `json:"duration_s"` // the measured window, seconds
	WarmupS     float64    `json:"warmup_s"`   // before the window, excluded from every figure
	Machine     Machine    `json:"machine"`
	Cluster     *Cluster   `json:"cluster,omitempty"`
	Workloads   []Workload `json:"workloads"`
	Faults      []Fault    `json:"faults"`
	Checks      []Check    `json:"checks"`
	Recovery    []Recovery `json:"recovery"`
	Gates       []Gate     `json:"gates"`
	Valid       bool       `json:"valid"`
	Invalid     []string   `json:"invalid,omitempty"` // why not, when Valid is false
}

// Machine says where the run happened, since figures from different machines
// (or from one machine minutes apart) do not compare.
type Machine struct {
	CPU       string `json:"cpu"` // model name
	Cores     int    `json:"cores"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	Commit    string `json:"commit"` // of nngbench; "-dirty" appended for local changes
	Hostname  string `json:"hostname"`
}

// Model names of Workload.Model.
const (
	ModelOpen   = "open"   // sends on a schedule whatever the replies do
	ModelClosed = "closed" // sends the next request when the last one is answered
)

// Workload is the load one pattern put on the system and what came back.
// Latencies are in microseconds.
type Workload struct {
	Name        string  `json:"name"` // unique in the run; names the .hgrm files
	Pattern     string  `json:"pattern"`
	Mode        string  `json:"mode"`
	Model       string  `json:"model"`        // ModelOpen or ModelClosed
	PlannedRate float64 `json:"planned_rate"` // messages per second; 0 when closed loop
	Concurrency int     `json:"concurrency"`

	Sent       int64 `json:"sent"`
	Received   int64 `json:"received"`
	Errors     int64 `json:"errors"`
	Timeouts   int64 `json:"timeouts"`
	Lost       int64 `json:"lost"`
	Duplicated int64 `json:"duplicated"`
	Reordered  int64 `json:"reordered"`

	SendRate  float64 `json:"send_rate"` // per second over the measured window
	RecvRate  float64 `json:"recv_rate"`
	BytesPerS float64 `json:"bytes_per_s"`

	// Latency is timed from each message's intended send time, so a
	// stalled sender cannot hide the stall; LatencyUncorrected from the
	// actual send, as a coordinated-omission tool would report it.
	Latency            Percentiles `json:"latency_us"`
	LatencyUncorrected Percentiles `json:"latency_uncorrected_us"`
	Lag                Percentiles `json:"generator_lag_us"` // actual minus intended send time

	Intervals []Interval `json:"intervals"`
	Phases    []Phase    `json:"phases,omitempty"`

	Valid   bool   `json:"valid"`
	Invalid string `json:"invalid,omitempty"` // why not, when Valid is false
}

// Percentiles summarises a latency histogram, in microseconds. Each value is
// the upper edge of its histogram bucket, so it never understates.
type Percentiles struct {
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	P9999 float64 `json:"p9999"`
	Max   float64 `json:"max"`
	Mean  float64 `json:"mean"`
	Count int64   `json:"count"`
}

// Interval is one bucket of the time series (1 s unless the run says
// otherwise). Sends are counted when they happened, receipts when they
// arrived, and the latencies are those of the messages received in it.
type Interval struct {
	TS       float64 `json:"t_s"` // start of the bucket, seconds after the measured window starts
	Sent     int64   `json:"sent"`
	Received int64   `json:"received"`
	P50US    float64 `json:"p50_us"`
	P99US    float64 `json:"p99_us"`
	MaxUS    float64 `json:"max_us"`
}

// Phase names of Phase.Phase.
const (
	PhaseBefore = "before"
	PhaseDuring = "during"
	PhaseAfter  = "after"
)

// Phase is the latency a workload saw before, during or after one fault.
type Phase struct {
	Fault   string      `json:"fault"`
	Phase   string      `json:"phase"` // PhaseBefore, PhaseDuring or PhaseAfter
	Latency Percentiles `json:"latency_us"`
}

// Fault is one fault of the timeline: what was planned and when it really
// took effect, since an injector can be late.
type Fault struct {
	Name      string         `json:"name"`
	Kind      string         `json:"kind"` // "latency", "partition", "kill", ...
	Target    string         `json:"target,omitempty"`
	Link      string         `json:"link,omitempty"`
	Direction string         `json:"direction,omitempty"`
	Params    map[string]any `json:"params"` // JSON values; numbers read back as float64
	AtS       float64        `json:"at_s"`   // planned start, seconds after the measured window starts
	ForS      float64        `json:"for_s"`  // planned length; 0 = until the run ends
	StartedAt time.Time      `json:"started_at,omitzero"`
	EndedAt   time.Time      `json:"ended_at,omitzero"`
	Error     string         `json:"error,omitempty"` // why it could not be applied or healed
}

// Check is one correctness check (nothing lost, nothing duplicated, ...).
type Check struct {
	Name   string           `json:"name"`
	OK     bool             `json:"ok"`
	Counts map[string]int64 `json:"counts"`
	Detail string           `json:"detail,omitempty"`
}

// Recovery is how long the system took to get over one fault, in seconds:
// detection after the fault started, migration after the target was marked
// offline, convergence and performance after the fault was healed. A nil
// field does not apply to that fault.
type Recovery struct {
	Fault        string   `json:"fault"`
	DetectionS   *float64 `json:"detection_s,omitempty"`   // fault start → node_offline
	MigrationS   *float64 `json:"migration_s,omitempty"`   // node_offline → last instance moved
	ConvergenceS *float64 `json:"convergence_s,omitempty"` // heal → every target has the config
	PerformanceS *float64 `json:"performance_s,omitempty"` // heal → p99 and throughput back
}

// Gate is one pass/fail expression evaluated over the run.
type Gate struct {
	Expr   string  `json:"expr"`
	Value  float64 `json:"value"`
	OK     bool    `json:"ok"`
	Detail string  `json:"detail,omitempty"`
}
