package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/nngbench/nngbench/scripts/internal/fidelityfile"
)

// readFidelity reads the fidelity file; (nil, nil) when there is none.
func readFidelity(path string) (*fidelityfile.Summary, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f := new(fidelityfile.Summary) // unknown fields are ignored: the file holds the rounds too
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
		msgsPerS(f.NngbenchMsgsPerS), msgsPerS(f.PerfMsgsPerS), times(thr), fidelityfile.MinThroughputRatio, met(thr, thr >= fidelityfile.MinThroughputRatio))
	if f.NngbenchPushPull > 0 {
		pp := ratioOf(f.PushPullRatio, f.NngbenchPushPull, f.PerfMsgsPerS)
		fmt.Fprintf(w, "| Throughput, closed loop, PUSH/PULL beside local_thr/remote_thr | %s | %s | %s | — | — |\n",
			msgsPerS(f.NngbenchPushPull), msgsPerS(f.PerfMsgsPerS), times(pp))
	}
	rt := ratioOf(f.RoundtripRatio, f.NngbenchRoundtripUS, f.PerfRoundtripUS)
	fmt.Fprintf(w, "| Round trip, one request in flight (local_reqlat/remote_reqlat) | %s | %s | %s | ≤ %.2fx | %s |\n\n",
		micros(f.NngbenchRoundtripUS), micros(f.PerfRoundtripUS), times(rt), fidelityfile.MaxRoundtripRatio, met(rt, rt <= fidelityfile.MaxRoundtripRatio))
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
