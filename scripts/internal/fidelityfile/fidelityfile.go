// Package fidelityfile is the headline of fidelity.json, which
// scripts/fidelity writes and scripts/benchreport reads: one definition, so
// the two cannot drift apart.
package fidelityfile

// The targets of issue 4 for the harness against mangos' perf tool.
const (
	MinThroughputRatio = 0.9 // nngbench / perf, at least
	MaxRoundtripRatio  = 1.1 // nngbench / perf, at most
)

// Summary is the flat headline of a fidelity run: nngbench in raw mode
// beside mangos' own perf tool, same version, same machine, same run, both
// ends in separate processes, and what toxiproxy costs. Ratios are medians
// over rounds; a reader treats a missing figure (zero) as not measured.
type Summary struct {
	Payload   string `json:"payload"`   // e.g. "1KiB"
	Transport string `json:"transport"` // e.g. "tcp"

	// Closed-loop throughput of raw pair beside local_thr/remote_thr, which
	// runs PAIR too: like for like, target MinThroughputRatio. Raw push/pull
	// beside the same perf figure has no target.
	ThroughputRatio  float64 `json:"throughput_ratio"`
	NngbenchMsgsPerS float64 `json:"nngbench_msgs_per_s"`
	PerfMsgsPerS     float64 `json:"perf_msgs_per_s"`
	PushPullRatio    float64 `json:"pushpull_ratio"`
	NngbenchPushPull float64 `json:"nngbench_pushpull_msgs_per_s"`

	// Mean round trip of raw req/rep, one request in flight, beside
	// local_reqlat/remote_reqlat; target MaxRoundtripRatio.
	RoundtripRatio      float64 `json:"roundtrip_ratio"`
	NngbenchRoundtripUS float64 `json:"nngbench_roundtrip_us"`
	PerfRoundtripUS     float64 `json:"perf_roundtrip_us"`

	ToxiproxyCost *ToxiproxyCost `json:"toxiproxy_cost,omitempty"`
}

// ToxiproxyCost is the same workload through idle proxies and direct; the
// ratios are proxied / direct.
type ToxiproxyCost struct {
	ThroughputRatio    float64 `json:"throughput_ratio"`
	DirectMsgsPerS     float64 `json:"direct_msgs_per_s"`
	ProxiedMsgsPerS    float64 `json:"proxied_msgs_per_s"`
	RoundtripRatio     float64 `json:"roundtrip_ratio"`
	DirectRoundtripUS  float64 `json:"direct_roundtrip_us"`
	ProxiedRoundtripUS float64 `json:"proxied_roundtrip_us"`
}
