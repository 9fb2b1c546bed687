package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/internal/stats"
	"github.com/nngbench/nngbench/scripts/internal/fidelityfile"
)

// fidelity is fidelity.json: first the headline figures, flat, as scripts/benchreport reads
// them into RESULTS.md (medians over the rounds; ratios are medians of per-round ratios), then
// every run's figures.
type fidelity struct {
	fidelityfile.Summary

	Schema     string         `json:"schema"`
	StartedAt  time.Time      `json:"started_at"`
	Go         string         `json:"go"`
	Mangos     string         `json:"mangos"`
	CPUs       int            `json:"cpus"`
	SizeBytes  int            `json:"size_bytes"`
	Rounds     int            `json:"rounds"`
	Throughput throughputCmp  `json:"throughput"`
	RoundTrip  roundTripCmp   `json:"round_trip"`
	Toxiproxy  *toxiproxyCost `json:"toxiproxy,omitempty"`
}

// A ratio is the median over rounds of nngbench's figure over the perf tool's figure of the
// same round (runs next to each other share the machine's drift), with its spread.
type ratio struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	// Best is the ratio of each side's best run (highest rate, shortest round trip): other
	// load on the machine only ever slows a run, so the best approaches what a tool can do.
	Best float64 `json:"best"`
}

// throughputCmp: perf local_thr (PAIR) against nngbench push/pull and pair, closed loop.
type throughputCmp struct {
	Perf          []float64    `json:"perf_msgs_per_s"`
	PushPull      []nngFigures `json:"nngbench_pushpull"`
	Pair          []nngFigures `json:"nngbench_pair"`
	PushPullRatio ratio        `json:"ratio_pushpull"` // nngbench push/pull / perf
	PairRatio     ratio        `json:"ratio_pair"`     // like for like: perf's throughput test is PAIR
	Target        float64      `json:"target_min"`
	Met           bool         `json:"met"` // pair: like for like with local_thr/remote_thr
}

// roundTripCmp: perf local_reqlat/remote_reqlat against nngbench req/rep, one in flight.
type roundTripCmp struct {
	PerfUS   []float64    `json:"perf_mean_us"`
	NNGBench []nngFigures `json:"nngbench_reqrep"`
	Ratio    ratio        `json:"ratio"` // nngbench mean / perf mean
	Target   float64      `json:"target_max"`
	Met      bool         `json:"met"`
}

// toxiproxyCost: the same raw runs through an idle proxy of an embedded toxiproxy and direct.
type toxiproxyCost struct {
	ReqRepDirect    []nngFigures `json:"reqrep_direct"`
	ReqRepProxied   []nngFigures `json:"reqrep_proxied"`
	PushPullDirect  []nngFigures `json:"pushpull_direct"`
	PushPullProxied []nngFigures `json:"pushpull_proxied"`
	RoundTripRatio  ratio        `json:"round_trip_ratio"` // proxied / direct mean round trip
	ThroughputRatio ratio        `json:"throughput_ratio"` // proxied / direct
}

func newFidelity(o options) *fidelity {
	size := int64(o.size)
	f := &fidelity{Summary: fidelityfile.Summary{Payload: scenario.SizeRange{Min: size, Max: size}.String(), Transport: "tcp"},
		Schema: "nngbench/fidelity/v1", StartedAt: time.Now().UTC(), Go: runtime.Version(),
		Mangos: mangosVersion(), CPUs: runtime.NumCPU(), SizeBytes: o.size, Rounds: o.rounds}
	f.Throughput.Target, f.RoundTrip.Target = fidelityfile.MinThroughputRatio, fidelityfile.MaxRoundtripRatio
	return f
}

// finish takes the ratios.
func (f *fidelity) finish() {
	t := &f.Throughput
	t.PushPullRatio = ratios(each(t.PushPull, nngFigures.throughput), t.Perf, slices.Max)
	t.PairRatio = ratios(each(t.Pair, nngFigures.throughput), t.Perf, slices.Max)
	t.Met = t.PairRatio.Median >= fidelityfile.MinThroughputRatio // perf's throughput test is PAIR
	r := &f.RoundTrip
	r.Ratio = ratios(each(r.NNGBench, rtt), r.PerfUS, minPositive)
	r.Met = r.Ratio.Median > 0 && r.Ratio.Median <= fidelityfile.MaxRoundtripRatio
	if x := f.Toxiproxy; x != nil {
		x.RoundTripRatio = ratios(each(x.ReqRepProxied, rtt), each(x.ReqRepDirect, rtt), minPositive)
		x.ThroughputRatio = ratios(each(x.PushPullProxied, nngFigures.throughput), each(x.PushPullDirect, nngFigures.throughput), slices.Max)
	}
	f.summarize()
}

// summarize fills in the flat headline figures.
func (f *fidelity) summarize() {
	t, r := f.Throughput, f.RoundTrip
	f.ThroughputRatio, f.NngbenchMsgsPerS, f.PerfMsgsPerS = t.PairRatio.Median, stats.Median(each(t.Pair, nngFigures.throughput)), stats.Median(t.Perf)
	f.PushPullRatio, f.NngbenchPushPull = t.PushPullRatio.Median, stats.Median(each(t.PushPull, nngFigures.throughput))
	f.RoundtripRatio, f.NngbenchRoundtripUS, f.PerfRoundtripUS = r.Ratio.Median, stats.Median(each(r.NNGBench, rtt)), stats.Median(r.PerfUS)
	if x := f.Toxiproxy; x != nil {
		f.ToxiproxyCost = &fidelityfile.ToxiproxyCost{
			ThroughputRatio: x.ThroughputRatio.Median, RoundtripRatio: x.RoundTripRatio.Median,
			DirectMsgsPerS: stats.Median(each(x.PushPullDirect, nngFigures.throughput)), ProxiedMsgsPerS: stats.Median(each(x.PushPullProxied, nngFigures.throughput)),
			DirectRoundtripUS: stats.Median(each(x.ReqRepDirect, rtt)), ProxiedRoundtripUS: stats.Median(each(x.ReqRepProxied, rtt)),
		}
	}
}

// minPositive is the smallest figure above 0 (0 if none): the best round trip.
func minPositive(xs []float64) float64 {
	best := 0.0
	for _, x := range xs {
		if x > 0 && (best == 0 || x < best) {
			best = x
		}
	}
	return best
}

func rtt(f nngFigures) float64 { return f.RTTMeanUS }

func each(fs []nngFigures, get func(nngFigures) float64) []float64 {
	out := make([]float64, len(fs))
	for i, f := range fs {
		out[i] = get(f)
	}
	return out
}

// ratios pairs num[i] with den[i], round by round; best picks each side's best run.
func ratios(num, den []float64, best func([]float64) float64) ratio {
	var rs []float64
	for i := range min(len(num), len(den)) {
		if den[i] > 0 {
			rs = append(rs, num[i]/den[i])
		}
	}
	if len(rs) == 0 {
		return ratio{}
	}
	r := ratio{Median: stats.Median(rs), Min: slices.Min(rs), Max: slices.Max(rs)}
	if b := best(den); b > 0 {
		r.Best = best(num) / b
	}
	return r
}

// write saves f as dir/fidelity.json.
func (f *fidelity) write(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "fidelity.json")
	return path, os.WriteFile(path, append(b, '\n'), 0o644) //nolint:gosec // a report, meant to be read
}

// table prints the medians and ratios.
func (f *fidelity) table(w io.Writer) {
	fmt.Fprintf(w, "fidelity: tcp loopback, %d B, %d rounds, %d CPUs, mangos %s (ratios: nngbench/perf, proxied/direct)\n",
		f.SizeBytes, f.Rounds, f.CPUs, f.Mangos)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	t, r := f.Throughput, f.RoundTrip
	fmt.Fprintln(tw, "comparison\tperf | direct\tnngbench | proxied\tratio (median)\trange\tbest/best\ttarget\t")
	row := func(name string, a, b float64, r ratio, target string) {
		format := "%s\t%.0f\t%.0f\t%.3f\t%.3f-%.3f\t%.3f\t%s\t\n"
		if strings.Contains(name, "µs") {
			format = "%s\t%.1f\t%.1f\t%.3f\t%.3f-%.3f\t%.3f\t%s\t\n"
		}
		fmt.Fprintf(tw, format, name, a, b, r.Median, r.Min, r.Max, r.Best, target)
	}
	row("throughput pair, msgs/s", stats.Median(t.Perf), stats.Median(each(t.Pair, nngFigures.throughput)), t.PairRatio,
		fmt.Sprintf(">= %.1f %s", t.Target, verdict(t.Met)))
	row("throughput push/pull, msgs/s", stats.Median(t.Perf), stats.Median(each(t.PushPull, nngFigures.throughput)), t.PushPullRatio, "")
	row("round trip req/rep, mean µs", stats.Median(r.PerfUS), stats.Median(each(r.NNGBench, rtt)), r.Ratio,
		fmt.Sprintf("<= %.1f %s", r.Target, verdict(r.Met)))
	if x := f.Toxiproxy; x != nil {
		row("toxiproxy req/rep, mean µs", stats.Median(each(x.ReqRepDirect, rtt)), stats.Median(each(x.ReqRepProxied, rtt)), x.RoundTripRatio, "")
		row("toxiproxy push/pull, msgs/s", stats.Median(each(x.PushPullDirect, nngFigures.throughput)),
			stats.Median(each(x.PushPullProxied, nngFigures.throughput)), x.ThroughputRatio, "")
	}
	_ = tw.Flush()
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}

// mangosVersion is the mangos module this program was built with.
func mangosVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "go.nanomsg.org/mangos/v3" {
				return d.Version
			}
		}
	}
	return "unknown"
}

// closeIdleHTTP drops the keep-alive connections toxiproxy's client leaves in
// http.DefaultTransport (it cannot be given another), so no goroutine outlives the run.
func closeIdleHTTP() {
	if tr, ok := http.DefaultTransport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
}
