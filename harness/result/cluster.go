package result

// Cluster is how the cluster under a run came up and held during it: what
// a scaling sweep compares across worker counts. Read from /proc and from
// the control plane's node list; absent with transport inproc.
type Cluster struct {
	Workers int `json:"workers"`
	// ReadyS is from the first worker's launch to the last one's ready
	// file (sockets bound); OnlineS to every worker registered, linked and
	// answering /health.
	ReadyS  float64 `json:"ready_s"`
	OnlineS float64 `json:"online_s"`
	// Resident memory of the worker processes at the end of the load.
	WorkerRSSMeanMiB float64 `json:"worker_rss_mean_mib"`
	WorkerRSSMaxMiB  float64 `json:"worker_rss_max_mib"`
	// The control plane's process, when it is one (omitted when embedded
	// in the harness, whose CPU it shares): resident memory at the end, and
	// CPU time over the load, also as a share of one core.
	ControlPlaneRSSMiB *float64 `json:"controlplane_rss_mib,omitempty"`
	ControlPlaneCPUS   *float64 `json:"controlplane_cpu_s,omitempty"`
	ControlPlaneCPUPct *float64 `json:"controlplane_cpu_pct,omitempty"`
	Heartbeats         Beats    `json:"heartbeats"`
}

// Beats is the workers' heartbeats over the load as the control plane
// handled them: each change of a node's last_seen is one; a gap between
// two of one node's beats longer than 1.5 intervals is a beat missed or
// handled late.
type Beats struct {
	IntervalS float64 `json:"interval_s"`
	Handled   int     `json:"handled"`
	Late      int     `json:"late"`
	MaxGapS   float64 `json:"max_gap_s"`
	Offline   int     `json:"offline_seen"` // node-list reads that showed a node offline
}
