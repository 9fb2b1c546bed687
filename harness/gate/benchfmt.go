package gate

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/nngbench/nngbench/harness/result"
)

// benchUnit is one value of a benchmark line.
type benchUnit struct {
	unit   string
	better string // "lower" or "higher"
	// latency marks values that need latency samples.
	latency bool
	get     func(*result.Workload) float64
}

// benchUnits are the values of each line. Latencies are in ns, which
// benchstat tidies to seconds and prints scaled (µs, ms).
var benchUnits = func() []benchUnit {
	ns := func(get func(*result.Percentiles) float64) func(*result.Workload) float64 {
		return func(w *result.Workload) float64 { return get(&w.Latency) * 1e3 }
	}
	n := func(get func(*result.Workload) int64) func(*result.Workload) float64 {
		return func(w *result.Workload) float64 { return float64(get(w)) }
	}
	return []benchUnit{
		{"p50-ns", "lower", true, ns(func(p *result.Percentiles) float64 { return p.P50 })},
		{"p90-ns", "lower", true, ns(func(p *result.Percentiles) float64 { return p.P90 })},
		{"p99-ns", "lower", true, ns(func(p *result.Percentiles) float64 { return p.P99 })},
		{"p99.9-ns", "lower", true, ns(func(p *result.Percentiles) float64 { return p.P999 })},
		{"p99.99-ns", "lower", true, ns(func(p *result.Percentiles) float64 { return p.P9999 })},
		{"max-ns", "lower", true, ns(func(p *result.Percentiles) float64 { return p.Max })},
		{"mean-ns", "lower", true, ns(func(p *result.Percentiles) float64 { return p.Mean })},
		{"send-msgs/s", "higher", false, func(w *result.Workload) float64 { return w.SendRate }},
		{"recv-msgs/s", "higher", false, func(w *result.Workload) float64 { return w.RecvRate }},
		{"recv-B/s", "higher", false, func(w *result.Workload) float64 { return w.BytesPerS }},
		{"lost-msgs", "lower", false, n(func(w *result.Workload) int64 { return w.Lost })},
		{"dup-msgs", "lower", false, n(func(w *result.Workload) int64 { return w.Duplicated })},
		{"reordered-msgs", "lower", false, n(func(w *result.Workload) int64 { return w.Reordered })},
		{"error-msgs", "lower", false, n(func(w *result.Workload) int64 { return w.Errors })},
		{"timeout-msgs", "lower", false, n(func(w *result.Workload) int64 { return w.Timeouts })},
	}
}()

// WriteBenchFormat writes the runs as Go benchmark results, one line per
// workload per run, so that benchstat and tools built on
// golang.org/x/perf/benchfmt read them:
//
//	BenchmarkSmoke/reqrep-2  5000  250000 p50-ns ... 1000 recv-msgs/s ...
//
// The name is the scenario with its first letter upper-cased, then the
// workload, then the machine's cores where go test puts GOMAXPROCS; the
// count is the messages received. Unit lines say which way is better;
// configuration lines (goos, goarch, cpu, commit, transport, workers)
// precede the runs they describe. Runs and workloads marked invalid are
// left out and listed in skipped.
func WriteBenchFormat(w io.Writer, runs []Run) (skipped []string, err error) {
	bw := bufio.NewWriter(w)
	for _, u := range benchUnits {
		fmt.Fprintf(bw, "Unit %s better=%s assume=nothing\n", u.unit, u.better)
	}
	config := map[string]string{}
	for _, run := range runs {
		r := run.Result
		if !r.Valid {
			skipped = append(skipped, fmt.Sprintf("%s: run marked invalid (%s)", run.Path, strings.Join(r.Invalid, "; ")))
			continue
		}
		writeConfig(bw, config, r)
		for i := range r.Workloads {
			wl := &r.Workloads[i]
			if !wl.Valid {
				skipped = append(skipped, fmt.Sprintf("%s: workload %s marked invalid (%s)", run.Path, wl.Name, wl.Invalid))
				continue
			}
			writeBenchLine(bw, r, wl)
		}
	}
	return skipped, bw.Flush()
}

// writeConfig writes the configuration lines that differ from the last
// ones written.
func writeConfig(w io.Writer, last map[string]string, r *result.Result) {
	for _, kv := range [][2]string{
		{"goos", r.Machine.OS}, {"goarch", r.Machine.Arch}, {"cpu", r.Machine.CPU}, {"commit", r.Machine.Commit},
		{"transport", r.Transport}, {"workers", strconv.Itoa(r.Workers)},
	} {
		v := strings.Join(strings.Fields(kv[1]), " ") // one line
		if prev, seen := last[kv[0]]; seen && prev == v {
			continue
		}
		last[kv[0]] = v
		fmt.Fprintf(w, "%s: %s\n", kv[0], v)
	}
}

func writeBenchLine(w io.Writer, r *result.Result, wl *result.Workload) {
	name := r.Scenario
	if name != "" {
		name = strings.ToUpper(name[:1]) + name[1:]
	}
	fmt.Fprintf(w, "Benchmark%s/%s-%d\t%d", name, wl.Name, max(1, r.Machine.Cores), wl.Received)
	for _, u := range benchUnits {
		if u.latency && wl.Latency.Count == 0 {
			continue
		}
		fmt.Fprintf(w, "\t%s %s", strconv.FormatFloat(u.get(wl), 'g', -1, 64), u.unit)
	}
	fmt.Fprintln(w)
}
