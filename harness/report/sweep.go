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

// sweepPoints checks that points are one scenario at distinct, positive
// worker counts, and returns them sorted by count.
func sweepPoints(points []*result.Result) ([]*result.Result, error) {
	if len(points) == 0 {
		return nil, fmt.Errorf("%w: no points", ErrSweep)
	}
	seen := map[int]bool{}
	for i, p := range points {
		switch {
		case p == nil:
			return nil, fmt.Errorf("%w: point %d is nil", ErrSweep, i)
		case p.Scenario != points[0].Scenario:
			return nil, fmt.Errorf("%w: point %d is scenario %q, point 0 %q", ErrSweep, i, p.Scenario, points[0].Scenario)
		case p.Workers < 1:
			return nil, fmt.Errorf("%w: point %d has %d workers", ErrSweep, i, p.Workers)
		case seen[p.Workers]:
			return nil, fmt.Errorf("%w: two points at %d workers", ErrSweep, p.Workers)
		}
		seen[p.Workers] = true
	}
	sorted := slices.Clone(points)
	slices.SortFunc(sorted, func(a, b *result.Result) int { return a.Workers - b.Workers })
	return sorted, nil
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
	md, err := SweepMarkdown(points)
	if err != nil {
		return err
	}
	sorted, _ := sweepPoints(points) // checked by SweepMarkdown
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	plots, err := scalingPlots(sorted)
	if err != nil {
		return fmt.Errorf("report: %s: %w", ScalingFile, err)
	}
	if err := saveRow(filepath.Join(dir, ScalingFile), plots...); err != nil {
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
	points, err := sweepPoints(points)
	if err != nil {
		return nil, err
	}
	first := points[0]
	var b bytes.Buffer
	fmt.Fprintf(&b, "# nngbench sweep: %s\n\n", inline(first.Scenario))
	if first.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", inline(first.Description))
	}
	counts := make([]string, len(points))
	valid := 0
	var machines, commits []string
	for i, p := range points {
		counts[i] = fmt.Sprint(p.Workers)
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
	table(&b, []string{"Field", "Value"}, [][]string{
		{"Scenario", first.Scenario},
		{"Workers", strings.Join(counts, ", ")},
		{"Transport", first.Transport},
		{"Duration", seconds(first.DurationS) + " per point"},
		{"Machine", strings.Join(machines, "; ")},
		{"Commit", strings.Join(commits, ", ")},
		{"Valid", fmt.Sprintf("%d of %d points", valid, len(points))},
	})
	b.WriteString("## By worker count\n\nEach point is a run of its own; its report has the details.\n\n")
	var rows [][]string
	for _, p := range points {
		for _, w := range p.Workloads {
			dir := SweepPointDir(p.Workers)
			rows = append(rows, []string{fmt.Sprint(p.Workers), w.Name, or(w.Pattern), or(w.Mode),
				rate(w.SendRate), rate(w.RecvRate), ms(w.Latency.P50), ms(w.Latency.P99),
				fmt.Sprint(w.Lost), verdict(w.Valid, w.Invalid), "[" + dir + "](" + dir + "/" + MarkdownFile + ")"})
		}
	}
	table(&b, []string{"Workers", "Workload", "Pattern", "Mode", "Send rate (msg/s)", "Recv rate (msg/s)",
		"p50 (ms)", "p99 (ms)", "Lost", "Valid", "Report"}, rows)
	writeSweepCluster(&b, points)
	b.WriteString("## Figure\n\nReceive rate and corrected p99 against the worker count (log2 scale), a line per workload:\n\n")
	fmt.Fprintf(&b, "![Scaling](%s)\n", ScalingFile)
	return b.Bytes(), nil
}

// scalingPlots are the two panels of scaling.png: throughput and p99
// against the worker count, one line per workload.
func scalingPlots(points []*result.Result) ([]*plot.Plot, error) {
	name := points[0].Scenario
	panels := []*plot.Plot{
		newChart("Throughput by worker count: "+name, "workers (log2 scale)", "received (msgs/s)").p,
		newChart("p99 latency by worker count: "+name, "workers (log2 scale)", "p99 latency, corrected (ms)").p,
	}
	names := workloadNames(points)
	lines := make([][]plotter.XYs, len(panels)) // [panel][workload]
	for k := range panels {
		lines[k] = make([]plotter.XYs, len(names))
	}
	for i, wl := range names {
		for _, p := range points {
			if w, ok := workloadNamed(p, wl); ok {
				x := float64(p.Workers)
				lines[0][i] = append(lines[0][i], plotter.XY{X: x, Y: w.RecvRate})
				lines[1][i] = append(lines[1][i], plotter.XY{X: x, Y: w.Latency.P99 / 1000})
			}
		}
	}
	ticks := make([]plot.Tick, len(points))
	for i, p := range points {
		ticks[i] = plot.Tick{Value: float64(p.Workers), Label: fmt.Sprint(p.Workers)}
	}
	for k, p := range panels {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, xys := range lines[k] {
			for _, xy := range xys {
				if xy.Y > 0 && !math.IsInf(xy.Y, 0) {
					lo, hi = min(lo, xy.Y), max(hi, xy.Y)
				}
			}
		}
		p.Add(plotter.NewGrid())
		for i, xys := range lines[k] {
			if err := linePoints(p, names[i], xys, i, logAxis(lo, hi)); err != nil {
				return nil, err
			}
		}
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.X.Min, p.X.Max = float64(points[0].Workers)/1.3, float64(points[len(points)-1].Workers)*1.3
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
