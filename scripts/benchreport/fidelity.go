package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// fidelity is what the harness-fidelity benchmark writes (issue 4): nngbench
// in raw mode against mangos' own perf tool, same version, same machine,
// same run, both ends in separate processes, and what toxiproxy costs. The
// format is still settling, so unknown fields are ignored and a missing
// figure (zero) prints as "–"; a ratio left out is worked out from its two
// figures.
type fidelity struct {
	Payload   string `json:"payload"`   // e.g. "1KiB"
	Transport string `json:"transport"` // e.g. "tcp"

	// Closed-loop throughput of raw pair beside local_thr/remote_thr,
	// which runs PAIR too; the ratio is nngbench/perf, target at least
	// minThroughputRatio. Push/pull beside the same perf figure is shown
	// too, with no target.
	ThroughputRatio  float64 `json:"throughput_ratio"`
	NngbenchMsgsPerS float64 `json:"nngbench_msgs_per_s"`
	PerfMsgsPerS     float64 `json:"perf_msgs_per_s"`
	PushPullRatio    float64 `json:"pushpull_ratio"`
	NngbenchPushPull float64 `json:"nngbench_pushpull_msgs_per_s"`

	// Round trip of raw req/rep, one request in flight, beside
	// local_reqlat/remote_reqlat; the ratio is nngbench/perf, target at
	// most maxRoundtripRatio.
	RoundtripRatio      float64 `json:"roundtrip_ratio"`
	NngbenchRoundtripUS float64 `json:"nngbench_roundtrip_us"`
	PerfRoundtripUS     float64 `json:"perf_roundtrip_us"`

	ToxiproxyCost *toxiproxyCost `json:"toxiproxy_cost"`
}

// toxiproxyCost is the same workload through idle proxies and direct; the
// ratios are proxied/direct.
type toxiproxyCost struct {
	ThroughputRatio    float64 `json:"throughput_ratio"`
	DirectMsgsPerS     float64 `json:"direct_msgs_per_s"`
	ProxiedMsgsPerS    float64 `json:"proxied_msgs_per_s"`
	RoundtripRatio     float64 `json:"roundtrip_ratio"`
	DirectRoundtripUS  float64 `json:"direct_roundtrip_us"`
	ProxiedRoundtripUS float64 `json:"proxied_roundtrip_us"`
}

// The targets of issue 4 for the harness against the perf tool.
const (
	minThroughputRatio = 0.9
	maxRoundtripRatio  = 1.1
)

// readFidelity reads the fidelity file; (nil, nil) when there is none.
func readFidelity(path string) (*fidelity, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f := new(fidelity)
	if err := json.Unmarshal(data, f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

func writeFidelity(w io.Writer, path string) error {
	fmt.Fprintf(w, "## Harness fidelity\n\n")
	if path == "" {
		_, err := fmt.Fprintf(w, "Not in this file: no fidelity results were given (-fidelity).\n\n")
		return err
	}
	f, err := readFidelity(path)
	if err != nil {
		return err
	}
	if f == nil {
		_, err := fmt.Fprintf(w, "Not in this file: `%s` does not exist; the fidelity benchmark did not run.\n\n", path)
		return err
	}
	fmt.Fprintf(w, "nngbench in raw mode beside mangos' own perf tool (`go.nanomsg.org/mangos/v3/perf`, the same version), "+
		"on the same machine in the same run, both ends in separate processes, payload %s over %s.\n\n",
		orDash(f.Payload), orDash(f.Transport))
	fmt.Fprintf(w, "| what | nngbench | mangos perf | ratio | target | met |\n|---|---|---|---|---|---|\n")
	thr := ratioOf(f.ThroughputRatio, f.NngbenchMsgsPerS, f.PerfMsgsPerS)
	fmt.Fprintf(w, "| Throughput, closed loop, PAIR as local_thr/remote_thr | %s | %s | %s | ≥ %.2fx | %s |\n",
		msgsPerS(f.NngbenchMsgsPerS), msgsPerS(f.PerfMsgsPerS), times(thr), minThroughputRatio, met(thr, thr >= minThroughputRatio))
	if f.NngbenchPushPull > 0 {
		pp := ratioOf(f.PushPullRatio, f.NngbenchPushPull, f.PerfMsgsPerS)
		fmt.Fprintf(w, "| Throughput, closed loop, PUSH/PULL beside local_thr/remote_thr | %s | %s | %s | — | — |\n",
			msgsPerS(f.NngbenchPushPull), msgsPerS(f.PerfMsgsPerS), times(pp))
	}
	rt := ratioOf(f.RoundtripRatio, f.NngbenchRoundtripUS, f.PerfRoundtripUS)
	fmt.Fprintf(w, "| Round trip, one request in flight (local_reqlat/remote_reqlat) | %s | %s | %s | ≤ %.2fx | %s |\n\n",
		micros(f.NngbenchRoundtripUS), micros(f.PerfRoundtripUS), times(rt), maxRoundtripRatio, met(rt, rt <= maxRoundtripRatio))
	fmt.Fprintf(w, "Ratios are nngbench / perf: for throughput higher is better, for the round trip lower is better.\n\n")
	c := f.ToxiproxyCost
	if c == nil {
		_, err := fmt.Fprintf(w, "Toxiproxy's own cost was not measured.\n\n")
		return err
	}
	fmt.Fprintf(w, "Toxiproxy's own cost: the same workload through idle proxies and direct.\n\n")
	fmt.Fprintf(w, "| what | direct | through idle proxies | proxied / direct |\n|---|---|---|---|\n")
	fmt.Fprintf(w, "| Throughput | %s | %s | %s |\n", msgsPerS(c.DirectMsgsPerS), msgsPerS(c.ProxiedMsgsPerS),
		times(ratioOf(c.ThroughputRatio, c.ProxiedMsgsPerS, c.DirectMsgsPerS)))
	_, err = fmt.Fprintf(w, "| Round trip | %s | %s | %s |\n\n", micros(c.DirectRoundtripUS), micros(c.ProxiedRoundtripUS),
		times(ratioOf(c.RoundtripRatio, c.ProxiedRoundtripUS, c.DirectRoundtripUS)))
	return err
}

// ratioOf is given when set, else a/b when both are measured; 0 if neither.
func ratioOf(given, a, b float64) float64 {
	if given > 0 {
		return given
	}
	if a > 0 && b > 0 {
		return a / b
	}
	return 0
}

func times(r float64) string {
	if r <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2fx", r)
}

// met says whether a measured ratio meets its target.
func met(r float64, ok bool) string {
	switch {
	case r <= 0:
		return "–"
	case ok:
		return "yes"
	default:
		return "**no**"
	}
}

func msgsPerS(v float64) string {
	if v <= 0 {
		return "–"
	}
	return format(v, "msgs/s")
}

func micros(us float64) string {
	if us <= 0 {
		return "–"
	}
	return format(us/1e6, "sec/op")
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
