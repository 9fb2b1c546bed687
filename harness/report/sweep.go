package report

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/internal/stats"
)

// Names of the files WriteSweep creates in a sweep's folder.
const (
	SweepMarkdownFile = "sweep.md"
	ScalingFile       = "scaling.png"
)

// ErrSweep is wrapped by the errors of WriteSweep and SweepMarkdown when
// the points do not make a sweep.
var ErrSweep = errors.New("report: not a sweep")

// SweepPointDir is the folder, inside a sweep's, that holds the run at
// that many workers (its result.json and report.md): "workers-N".
func SweepPointDir(workers int) string { return fmt.Sprintf("workers-%d", workers) }

// sweepGroups checks that groups are one scenario, each group the runs of
// one distinct, positive worker count, and returns them sorted by count.
func sweepGroups(groups [][]*result.Result) ([][]*result.Result, error) {
	if len(groups) == 0 {
		return nil, fmt.Errorf("%w: no points", ErrSweep)
	}
	seen := map[int]bool{}
	var first *result.Result
	for i, g := range groups {
		if len(g) == 0 {
			return nil, fmt.Errorf("%w: point %d has no run", ErrSweep, i)
		}
		for _, p := range g {
			if p == nil {
				return nil, fmt.Errorf("%w: point %d is nil", ErrSweep, i)
			}
			if first == nil {
				first = p
			}
			switch {
			case p.Scenario != first.Scenario:
				return nil, fmt.Errorf("%w: point %d is scenario %q, point 0 %q", ErrSweep, i, p.Scenario, first.Scenario)
			case p.Workers < 1:
				return nil, fmt.Errorf("%w: point %d has %d workers", ErrSweep, i, p.Workers)
			case p.Workers != g[0].Workers:
				return nil, fmt.Errorf("%w: the runs of point %d are at %d and %d workers", ErrSweep, i, g[0].Workers, p.Workers)
			}
		}
		if seen[g[0].Workers] {
			return nil, fmt.Errorf("%w: two points at %d workers", ErrSweep, g[0].Workers)
		}
		seen[g[0].Workers] = true
	}
	sorted := slices.Clone(groups)
	slices.SortFunc(sorted, func(a, b []*result.Result) int { return a[0].Workers - b[0].Workers })
	return sorted, nil
}

// singletons makes each point a group of one run.
func singletons(points []*result.Result) [][]*result.Result {
	groups := make([][]*result.Result, len(points))
	for i, p := range points {
		groups[i] = []*result.Result{p}
	}
	return groups
}

// repeated says whether any point ran more than once.
func repeated(groups [][]*result.Result) bool {
	return slices.ContainsFunc(groups, func(g []*result.Result) bool { return len(g) > 1 })
}

// figure is a workload's figure across the runs of one point: the median,
// lowest and highest, and how many runs had the workload.
type figure struct {
	mid, lo, hi float64
	n           int
}

func figureOf(g []*result.Result, name string, get func(result.Workload) float64) figure {
	var xs []float64
	for _, r := range g {
		if w, ok := workloadNamed(r, name); ok {
			xs = append(xs, get(w))
		}
	}
	if len(xs) == 0 {
		return figure{}
	}
	return figure{mid: stats.Median(xs), lo: slices.Min(xs), hi: slices.Max(xs), n: len(xs)}
}

// format writes the figure, with its range when the point ran more than
// once.
func (f figure) format(spread bool, fmtf func(float64) string) string {
	if !spread {
		return fmtf(f.mid)
	}
	return fmtf(f.mid) + " (" + fmtf(f.lo) + "–" + fmtf(f.hi) + ")"
}

// workloadNames lists every workload of the points, in order of first
// appearance, from the smallest count up.
func workloadNames(points []*result.Result) []string {
	var names []string
	for _, p := range points {
		for _, w := range p.Workloads {
			if !slices.Contains(names, w.Name) {
				names = append(names, w.Name)
			}
		}
	}
	return names
}

// WriteSweep writes into dir (created if missing) sweep.md and scaling.png
// for points: one scenario run at several worker counts, in any order. It
// does not write the points' own reports: sweep.md links to them at
// SweepPointDir(n)/report.md, where the runner puts them.
func WriteSweep(dir string, points []*result.Result) error {
	for i, p := range points {
		if p != nil && slices.ContainsFunc(points[:i], func(q *result.Result) bool { return q != nil && q.Workers == p.Workers }) {
			return fmt.Errorf("%w: two points at %d workers", ErrSweep, p.Workers)
		}
	}
	return WriteSweepRepeated(dir, singletons(points))
}

// WriteSweepRepeated is WriteSweep for points run several times (--repeat):
// each group holds the runs of one worker count, whose figures show as
// their median with the range of the runs, in the table and as a band in
// scaling.png. The runs of a count are in SweepPointDir(n)/run-NN.
func WriteSweepRepeated(dir string, groups [][]*result.Result) error {
	md, err := sweepMarkdown(groups)
	if err != nil {
		return err
	}
	sorted, _ := sweepGroups(groups) // checked by sweepMarkdown
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	plots, err := scalingPlots(sorted)
	if err != nil {
		return fmt.Errorf("report: %s: %w", ScalingFile, err)
	}
	return writeSweepFiles(dir, ScalingFile, plots, md)
}

// writeSweepFiles writes a sweep's figure, its panels side by side, and
// its sweep.md.
func writeSweepFiles(dir, figure string, plots []*plot.Plot, md []byte) error {
	if err := saveRow(filepath.Join(dir, figure), plots...); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, SweepMarkdownFile), md, 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// SweepMarkdown renders sweep.md: every workload at every worker count,
// smallest count first. The same points give the same bytes in any order.
func SweepMarkdown(points []*result.Result) ([]byte, error) {
	for i, p := range points {
		if p != nil && slices.ContainsFunc(points[:i], func(q *result.Result) bool { return q != nil && q.Workers == p.Workers }) {
			return nil, fmt.Errorf("%w: two points at %d workers", ErrSweep, p.Workers)
		}
	}
	return sweepMarkdown(singletons(points))
}

func sweepMarkdown(groups [][]*result.Result) ([]byte, error) {
	groups, err := sweepGroups(groups)
	if err != nil {
		return nil, err
	}
	spread := repeated(groups)
	first := groups[0][0]
	var b bytes.Buffer
	fmt.Fprintf(&b, "# nngbench sweep: %s\n\n", inline(first.Scenario))
	if first.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", inline(first.Description))
	}
	counts := make([]string, len(groups))
	valid, runs := 0, 0
	var machines, commits []string
	for i, g := range groups {
		counts[i] = fmt.Sprint(g[0].Workers)
		for _, p := range g {
			runs++
			if p.Valid {
				valid++
			}
			if m := machine(p.Machine); !slices.Contains(machines, m) {
				machines = append(machines, m)
			}
			if !slices.Contains(commits, p.Machine.Commit) {
				commits = append(commits, p.Machine.Commit)
			}
		}
	}
	validity := fmt.Sprintf("%d of %d points", valid, runs)
	if spread {
		validity = fmt.Sprintf("%d of %d runs", valid, runs)
	}
	table(&b, []string{"Field", "Value"}, [][]string{
		{"Scenario", first.Scenario},
		{"Workers", strings.Join(counts, ", ")},
		{"Transport", first.Transport},
		{"Duration", seconds(first.DurationS) + " per point"},
		{"Machine", strings.Join(machines, "; ")},
		{"Commit", strings.Join(commits, ", ")},
		{"Valid", validity},
	})
	b.WriteString("## By worker count\n\nEach point is a run of its own; its report has the details.\n\n")
	if spread {
		b.WriteString("Points ran several times: each figure is the median of the runs, their range in brackets.\n\n")
	}
	rows := sweepRows(groups, spread)
	table(&b, []string{"Workers", "Workload", "Pattern", "Mode", "Send rate (msg/s)", "Recv rate (msg/s)",
		"p50 (ms)", "p99 (ms)", "Lost", "Valid", "Report"}, rows)
	writeSweepCluster(&b, slices.Concat(groups...)) // a row per run
	b.WriteString("## Figure\n\nReceive rate and corrected p99 against the worker count (log2 scale), a line per workload")
	if spread {
		b.WriteString(", each point the median of its runs with a band from the lowest to the highest")
	}
	b.WriteString(":\n\n")
	fmt.Fprintf(&b, "![Scaling](%s)\n", ScalingFile)
	return b.Bytes(), nil
}

// sweepRows are sweep.md's rows: every workload at every worker count,
// each figure the median of the point's runs (with their range when
// spread).
func sweepRows(groups [][]*result.Result, spread bool) [][]string {
	var rows [][]string
	for _, g := range groups {
		for _, name := range workloadNames(g) {
			w, _ := workloadNamed(firstWith(g, name), name)
			fig := func(get func(result.Workload) float64, f func(float64) string) string {
				return figureOf(g, name, get).format(spread, f)
			}
			dir := SweepPointDir(g[0].Workers)
			link := "[" + dir + "](" + dir + "/" + MarkdownFile + ")"
			lost, ok, why := fmt.Sprint(w.Lost), w.Valid, w.Invalid
			if spread {
				link = "[" + dir + "](" + dir + ")"
				lost = fig(func(w result.Workload) float64 { return float64(w.Lost) }, num)
				valid := figureOf(g, name, func(w result.Workload) float64 { return map[bool]float64{true: 1}[w.Valid] })
				ok, why = valid.lo == 1, validRuns(g, name)
			}
			rows = append(rows, []string{fmt.Sprint(g[0].Workers), w.Name, or(w.Pattern), or(w.Mode),
				fig(func(w result.Workload) float64 { return w.SendRate }, rate),
				fig(func(w result.Workload) float64 { return w.RecvRate }, rate),
				fig(func(w result.Workload) float64 { return w.Latency.P50 }, ms),
				fig(func(w result.Workload) float64 { return w.Latency.P99 }, ms),
				lost, verdict(ok, why), link})
		}
	}
	return rows
}

// firstWith is the first run of g that has workload name.
func firstWith(g []*result.Result, name string) *result.Result {
	for _, r := range g {
		if _, ok := workloadNamed(r, name); ok {
			return r
		}
	}
	return g[0]
}

// validRuns says how many of g's runs found workload name valid.
func validRuns(g []*result.Result, name string) string {
	n, of := 0, 0
	for _, r := range g {
		if w, ok := workloadNamed(r, name); ok {
			of++
			if w.Valid {
				n++
			}
		}
	}
	return fmt.Sprintf("%d of %d runs valid", n, of)
}

// scalingPlots are the two panels of scaling.png: throughput and p99
// against the worker count, one line per workload; points run several
// times show their median, with a band from the lowest run to the highest.
func scalingPlots(groups [][]*result.Result) ([]*plot.Plot, error) {
	name := groups[0][0].Scenario
	panels := []*plot.Plot{
		newChart("Throughput by worker count: "+name, "workers (log2 scale)", "received (msgs/s)").p,
		newChart("p99 latency by worker count: "+name, "workers (log2 scale)", "p99 latency, corrected (ms)").p,
	}
	gets := []func(result.Workload) float64{
		func(w result.Workload) float64 { return w.RecvRate },
		func(w result.Workload) float64 { return w.Latency.P99 / 1000 },
	}
	var all []*result.Result
	for _, g := range groups {
		all = append(all, g...)
	}
	names := workloadNames(all)
	type series struct{ mid, lo, hi plotter.XYs }
	lines := make([][]series, len(panels)) // [panel][workload]
	for k := range panels {
		lines[k] = make([]series, len(names))
		for i, wl := range names {
			for _, g := range groups {
				if f := figureOf(g, wl, gets[k]); f.n > 0 {
					x := float64(g[0].Workers)
					l := &lines[k][i]
					l.mid = append(l.mid, plotter.XY{X: x, Y: f.mid})
					l.lo, l.hi = append(l.lo, plotter.XY{X: x, Y: f.lo}), append(l.hi, plotter.XY{X: x, Y: f.hi})
				}
			}
		}
	}
	ticks := make([]plot.Tick, len(groups))
	for i, g := range groups {
		ticks[i] = plot.Tick{Value: float64(g[0].Workers), Label: fmt.Sprint(g[0].Workers)}
	}
	spread := repeated(groups)
	for k, p := range panels {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, l := range lines[k] {
			for _, xys := range []plotter.XYs{l.mid, l.lo, l.hi} {
				for _, xy := range xys {
					if xy.Y > 0 && !math.IsInf(xy.Y, 0) {
						lo, hi = min(lo, xy.Y), max(hi, xy.Y)
					}
				}
			}
		}
		p.Add(plotter.NewGrid())
		for i, l := range lines[k] {
			if spread {
				if err := band(p, l.hi, l.lo, i); err != nil {
					return nil, fmt.Errorf("%s: %w", names[i], err)
				}
			}
			if err := linePoints(p, names[i], l.mid, i, logAxis(lo, hi)); err != nil {
				return nil, err
			}
		}
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.X.Min, p.X.Max = float64(groups[0][0].Workers)/1.3, float64(groups[len(groups)-1][0].Workers)*1.3
		fitY(p, lo, hi)
	}
	return panels, nil
}

// linePoints adds a line with a marker at each point, in the i-th colour
// and shape. On a log axis, points at or below zero are left out, as it
// cannot place them.
func linePoints(p *plot.Plot, name string, xys plotter.XYs, i int, logY bool) error {
	kept := slices.DeleteFunc(slices.Clone(xys), func(xy plotter.XY) bool {
		return logY && xy.Y <= 0 || math.IsNaN(xy.Y) || math.IsInf(xy.Y, 0)
	})
	if len(kept) == 0 {
		return nil
	}
	l, s, err := plotter.NewLinePoints(kept)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	l.Color, l.Width = colour(i), vg.Points(2)
	s.Color, s.Shape, s.Radius = colour(i), plotutil.Shape(i), vg.Points(4)
	p.Add(l, s)
	p.Legend.Add(name, l, s)
	return nil
}
