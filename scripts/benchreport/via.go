package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

// The suite's scenario of commands two ways at once (scenarios/reqrep-via.yaml)
// and the aim for the relay's middle hop (issue 11: at most 2.2x direct at p50).
const (
	viaScenario = "reqrep-via"
	viaDirect   = "direct"
	viaRelay    = "via-controlplane"
	viaAim      = 2.2
)

// writeVia writes the section on commands through the control plane's
// relay beside the same commands straight to the workers, from the
// suite's reqrep-via run; a note when the suite has none.
func writeVia(w io.Writer, suite, out string) error {
	fmt.Fprintf(w, "## Commands through the control plane beside direct\n\n")
	r, path, err := suiteResult(w, suite, viaScenario)
	if r == nil || err != nil {
		return err
	}
	byName := map[string]result.Workload{}
	for _, wl := range r.Workloads {
		byName[wl.Name] = wl
	}
	d, okD := byName[viaDirect]
	v, okV := byName[viaRelay]
	if !okD || !okV || d.Latency.P50 <= 0 || d.Latency.P99 <= 0 {
		return fmt.Errorf("%s: want workloads %q and %q with latencies", path, viaDirect, viaRelay)
	}
	link, err := relLink(filepath.Dir(out), filepath.Dir(path))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "From [`%s`](%s/%s): the same /health commands at the same rate, in the same run, straight to each "+
		"worker's command socket through its commands proxy, and through the control plane's relay (client, control "+
		"plane, worker and back, the middle hop over the control plane's retrying, breaker-guarded client and the same "+
		"proxy). Latency from the intended send.\n\n", viaScenario, link, report.MarkdownFile)
	fmt.Fprintf(w, "| path | sent | received | p50 | p99 |\n|---|---|---|---|---|\n")
	for _, wl := range []result.Workload{d, v} {
		fmt.Fprintf(w, "| %s | %d | %d | %s | %s |\n", wl.Name, wl.Sent, wl.Received, micros(wl.Latency.P50), micros(wl.Latency.P99))
	}
	p50, p99 := v.Latency.P50/d.Latency.P50, v.Latency.P99/d.Latency.P99
	met := map[bool]string{true: "met", false: "**not met**"}[p50 <= viaAim]
	fmt.Fprintf(w, "\nvia/direct: %.2fx at p50 (aim: at most %.1fx, %s), %.2fx at p99.\n\n", p50, viaAim, met, p99)
	return nil
}

// suiteResult reads the result of the suite's scenario, or writes the note
// that says why a section has none and returns nil.
func suiteResult(w io.Writer, suite, scenario string) (*result.Result, string, error) {
	path := filepath.Join(suite, scenario, result.FileName)
	if suite == "" {
		fmt.Fprintf(w, "Not in this file: no results tree was given (-suite).\n\n")
		return nil, path, nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(w, "Not in this file: `%s` does not exist; the suite did not run %s.\n\n", path, scenario)
		return nil, path, nil
	}
	r, err := result.Read(path)
	return r, path, err
}
