package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"

	"github.com/nngbench/nngbench/harness/result"
)

// Names of the comparison files. Write draws CompareFile for impl beside
// raw; WriteComparison draws it for candidate beside baseline, so give the
// two their own folders.
const (
	CompareFile            = "compare.png"
	ComparisonMarkdownFile = "compare.md"
)

// Workload modes that Write pairs up (scenario.ModeImpl and ModeRaw;
// report reads results only, so it spells them out).
const (
	modeImpl = "impl"
	modeRaw  = "raw"
)

// metric is one figure compared between two workloads.
type metric struct {
	name   string
	value  func(result.Workload) float64
	format func(float64) string
}

// latencyMetrics are drawn on the latency panel, in milliseconds.
var latencyMetrics = []metric{
	{"p50 (ms)", func(w result.Workload) float64 { return w.Latency.P50 }, ms},
	{"p99 (ms)", func(w result.Workload) float64 { return w.Latency.P99 }, ms},
	{"p99.9 (ms)", func(w result.Workload) float64 { return w.Latency.P999 }, ms},
}

var recvRate = metric{"recv rate (msg/s)", func(w result.Workload) float64 { return w.RecvRate }, rate}

var comparedMetrics = append(append([]metric{}, latencyMetrics...), recvRate)

// side is one of the two things compared: a name and a workload per pair.
type side struct {
	name string
	ws   []result.Workload
}

// comparison is two sides matched pair by pair, in display order (first is
// drawn and tabled left of second).
type comparison struct {
	title, key      string   // chart title; what a label is ("Pattern", "Workload")
	labels          []string // one per pair
	first, second   side
	ratioHead       string
	secondOverFirst bool // the ratio is second/first; first/second otherwise
}

func (c comparison) ratio(i int, m metric) string {
	a, b := m.value(c.first.ws[i]), m.value(c.second.ws[i])
	if c.secondOverFirst {
		a, b = b, a
	}
	return ratio(a, b)
}

// ratio prints a/b to two decimals; – where b is not positive.
func ratio(a, b float64) string {
	if b <= 0 || a < 0 {
		return "–"
	}
	return strconv.FormatFloat(a/b, 'f', 2, 64) + "x"
}

// table writes one row per pair and metric.
func (c comparison) table(b *bytes.Buffer) {
	rows := make([][]string, 0, len(c.labels)*len(comparedMetrics))
	for i, l := range c.labels {
		for _, m := range comparedMetrics {
			rows = append(rows, []string{l, m.name, m.format(m.value(c.first.ws[i])),
				m.format(m.value(c.second.ws[i])), c.ratio(i, m)})
		}
	}
	table(b, []string{c.key, "Metric", c.first.name, c.second.name, c.ratioHead}, rows)
}

// plots are the two panels of compare.png: latency percentiles per pair,
// and the receive rate per pair.
func (c comparison) plots() []*plot.Plot {
	var latCats []string
	lat := []barSeries{{name: c.first.name}, {name: c.second.name}}
	for i, l := range c.labels {
		for k, m := range latencyMetrics {
			cat := strings.TrimSuffix(m.name, " (ms)")
			if k == len(latencyMetrics)/2 {
				cat += "\n" + l // under the middle bar of the group
			}
			latCats = append(latCats, cat)
			lat[0].values = append(lat[0].values, m.value(c.first.ws[i])/1000)
			lat[1].values = append(lat[1].values, m.value(c.second.ws[i])/1000)
		}
	}
	thr := []barSeries{{name: c.first.name}, {name: c.second.name}}
	for i := range c.labels {
		thr[0].values = append(thr[0].values, c.first.ws[i].RecvRate)
		thr[1].values = append(thr[1].values, c.second.ws[i].RecvRate)
	}
	return []*plot.Plot{
		barPanel("Latency: "+c.title, "percentile by "+strings.ToLower(c.key), "latency (ms)",
			latCats, len(latencyMetrics), lat),
		barPanel("Throughput: "+c.title, strings.ToLower(c.key), "received (msgs/s)", c.labels, 1, thr),
	}
}

// implRaw pairs r's workloads (see pairModes) for compare.png and the
// "impl vs raw" section.
func implRaw(r *result.Result) (comparison, bool) {
	c := comparison{title: r.Scenario + ", impl beside raw", key: "Pattern",
		first: side{name: "impl"}, second: side{name: "raw"}, ratioHead: "impl/raw"}
	c.labels, c.first.ws, c.second.ws, _ = pairModes(r.Workloads)
	return c, len(c.labels) > 0
}

// pairModes pairs, for each pattern in order of first appearance, its i-th
// impl workload with its i-th raw one. A pair is labelled with its
// pattern, or with the impl workload's name when the pattern has more than
// one pair. unpaired are the impl and raw workloads left over, in order.
func pairModes(ws []result.Workload) (labels []string, impl, raw, unpaired []result.Workload) {
	var patterns []string
	byMode := map[string]map[string][]result.Workload{}
	for _, w := range ws {
		if w.Mode != modeImpl && w.Mode != modeRaw {
			continue
		}
		if byMode[w.Pattern] == nil {
			byMode[w.Pattern] = map[string][]result.Workload{}
			patterns = append(patterns, w.Pattern)
		}
		byMode[w.Pattern][w.Mode] = append(byMode[w.Pattern][w.Mode], w)
	}
	for _, p := range patterns {
		is, rs := byMode[p][modeImpl], byMode[p][modeRaw]
		n := min(len(is), len(rs))
		for i := range n {
			label := p
			if n > 1 {
				label = is[i].Name
			}
			labels = append(labels, label)
			impl, raw = append(impl, is[i]), append(raw, rs[i])
		}
		unpaired = append(append(unpaired, is[n:]...), rs[n:]...)
	}
	return labels, impl, raw, unpaired
}

// writeImplRaw is report.md's section on impl's overhead over bare mangos;
// nothing when the run has no pair.
func writeImplRaw(b *bytes.Buffer, r *result.Result) {
	c, ok := implRaw(r)
	if !ok {
		return
	}
	b.WriteString("## impl vs raw\n\n")
	b.WriteString("Each pattern run through impl/ beside the same pattern over bare mangos in this run")
	for i, l := range c.labels {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(b, "%s%s (%s beside %s)", sep, inline(l), inline(c.first.ws[i].Name), inline(c.second.ws[i].Name))
	}
	b.WriteString(". The ratio is impl/raw: above 1 for latency is impl's overhead; " +
		"below 1 for the receive rate is throughput impl loses.\n\n")
	c.table(b)
	fmt.Fprintf(b, "![impl vs raw](%s)\n\n", CompareFile)
}

// ComparisonMarkdown renders compare.md: candidate beside baseline for
// every workload the two share by name, in the candidate's order. Neither
// may be nil.
func ComparisonMarkdown(baseline, candidate *result.Result) []byte {
	c := matchByName(baseline, candidate)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# nngbench comparison: %s\n\n", inline(candidate.Scenario))
	bm, cm := baseline.Machine, candidate.Machine
	table(&b, []string{"Run", "Baseline", "Candidate"}, [][]string{
		{"Scenario", baseline.Scenario, candidate.Scenario},
		{"Started", stamp(baseline), stamp(candidate)},
		{"Duration", seconds(baseline.DurationS), seconds(candidate.DurationS)},
		{"Workers", fmt.Sprint(baseline.Workers), fmt.Sprint(candidate.Workers)},
		{"Commit", bm.Commit, cm.Commit},
		{"Machine", machine(bm), machine(cm)},
		{"Valid", verdict(baseline.Valid, strings.Join(baseline.Invalid, "; ")),
			verdict(candidate.Valid, strings.Join(candidate.Invalid, "; "))},
	})
	if machine(bm) != machine(cm) {
		b.WriteString("**The two ran on different machines**: their figures do not compare.\n\n")
	}
	b.WriteString("## Workloads\n\n")
	if len(c.labels) == 0 {
		b.WriteString("No workload in common.\n\n")
	} else {
		b.WriteString("Workloads matched by name. The ratio is candidate/baseline: above 1 for latency " +
			"is slower; below 1 for the receive rate is less throughput.\n\n")
		c.table(&b)
	}
	onlyIn := func(who string, r, other *result.Result) {
		var names []string
		for _, w := range r.Workloads {
			if _, ok := workloadNamed(other, w.Name); !ok {
				names = append(names, inline(w.Name))
			}
		}
		if len(names) > 0 {
			fmt.Fprintf(&b, "Only in the %s: %s.\n\n", who, strings.Join(names, ", "))
		}
	}
	onlyIn("baseline", baseline, candidate)
	onlyIn("candidate", candidate, baseline)
	if len(c.labels) > 0 {
		fmt.Fprintf(&b, "![Candidate vs baseline](%s)\n", CompareFile)
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}

func matchByName(baseline, candidate *result.Result) comparison {
	c := comparison{title: "candidate beside baseline", key: "Workload",
		first: side{name: "baseline"}, second: side{name: "candidate"},
		ratioHead: "candidate/baseline", secondOverFirst: true}
	for _, w := range candidate.Workloads {
		if bw, ok := workloadNamed(baseline, w.Name); ok {
			c.labels = append(c.labels, w.Name)
			c.first.ws = append(c.first.ws, bw)
			c.second.ws = append(c.second.ws, w)
		}
	}
	return c
}

func workloadNamed(r *result.Result, name string) (result.Workload, bool) {
	for _, w := range r.Workloads {
		if w.Name == name {
			return w, true
		}
	}
	return result.Workload{}, false
}

func stamp(r *result.Result) string {
	return r.StartedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// machine names a machine in one line.
func machine(m result.Machine) string {
	parts := []string{or(m.CPU), fmt.Sprintf("%d cores", m.Cores), or(m.GoVersion), m.OS + "/" + m.Arch}
	if m.Hostname != "" {
		parts = append(parts, "host "+m.Hostname)
	}
	return strings.Join(parts, ", ")
}

// WriteComparison writes into dir (created if missing) compare.md and, when
// the two share a workload, compare.png: each workload the candidate and
// the baseline share by name, side by side, with candidate/baseline ratios.
// The same two results always give the same Markdown.
func WriteComparison(dir string, baseline, candidate *result.Result) error {
	if baseline == nil || candidate == nil {
		return ErrNilResult
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if c := matchByName(baseline, candidate); len(c.labels) > 0 {
		if err := saveRow(filepath.Join(dir, CompareFile), c.plots()...); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	md := filepath.Join(dir, ComparisonMarkdownFile)
	if err := os.WriteFile(md, ComparisonMarkdown(baseline, candidate), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
