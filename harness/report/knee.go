package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/internal/stats"
)

// Files of a rate sweep's folder, beside SweepMarkdownFile.
const (
	LatencyVsRateFile = "latency-vs-rate.png"
	RateSweepFile     = "sweep.json"
	RateSweepSchema   = "nngbench/rate-sweep/v1"
)

// RateSweep is what a sweep of the offered rate found: for each swept
// workload, every point it ran at and the knee, the highest rate that
// passed below the first that failed. The runner writes it as sweep.json
// beside the points' folders; the report and RESULTS.md read it.
type RateSweep struct {
	Schema      string       `json:"schema"`
	Scenario    string       `json:"scenario"`
	Description string       `json:"description,omitempty"`
	Search      bool         `json:"search"` // rate: auto
	SLO         []string     `json:"slo"`    // as written
	Repeat      int          `json:"repeat"` // runs per point
	Transport   string       `json:"transport"`
	Workers     int          `json:"workers"`
	Machine     string       `json:"machine"`
	Commit      string       `json:"commit"`
	Workloads   []RateSeries `json:"workloads"`
}

// RateSeries is one swept workload's points, in the order they ran.
type RateSeries struct {
	Name       string      `json:"name"`
	Pattern    string      `json:"pattern"`
	Mode       string      `json:"mode"`
	Objectives []string    `json:"objectives"` // the SLO as it judged this workload
	Knee       float64     `json:"knee_rate"`  // planned msg/s; 0 when no point passed
	Points     []RatePoint `json:"points"`
}

// RatePoint is one rate a workload ran at: Repeat runs. It passes when
// every run did.
type RatePoint struct {
	Step    int       `json:"step"` // 1-based, in run order
	Dir     string    `json:"dir"`  // relative to the sweep's folder, slash-separated
	Planned float64   `json:"planned_rate"`
	Pass    bool      `json:"pass"`
	Runs    []RateRun `json:"runs"`
}

// RateRun is one run of a point, as the workload saw it.
type RateRun struct {
	Achieved float64 `json:"achieved_rate"` // received per second in the window
	SendRate float64 `json:"send_rate"`
	P50      float64 `json:"p50_us"`
	P99      float64 `json:"p99_us"`
	P999     float64 `json:"p999_us"`
	Valid    bool    `json:"valid"`
	SLOMet   bool    `json:"slo_met"`
	Detail   string  `json:"detail,omitempty"` // why it did not pass
}

// MachineOf names a machine in one line, as the reports do.
func MachineOf(m result.Machine) string { return machine(m) }

// RateRunOf takes a run's figures from its workload.
func RateRunOf(w result.Workload) RateRun {
	return RateRun{Achieved: w.RecvRate, SendRate: w.SendRate, P50: w.Latency.P50, P99: w.Latency.P99,
		P999: w.Latency.P999, Valid: w.Valid}
}

// ErrRateSweep is wrapped by the errors about a malformed rate sweep.
var ErrRateSweep = errors.New("report: not a rate sweep")

func (rs *RateSweep) check() error {
	switch {
	case rs == nil:
		return fmt.Errorf("%w: nil", ErrRateSweep)
	case rs.Schema != RateSweepSchema:
		return fmt.Errorf("%w: schema %q, want %q", ErrRateSweep, rs.Schema, RateSweepSchema)
	case len(rs.Workloads) == 0:
		return fmt.Errorf("%w: no swept workload", ErrRateSweep)
	}
	for _, s := range rs.Workloads {
		for _, p := range s.Points {
			if len(p.Runs) == 0 {
				return fmt.Errorf("%w: %s at %g/s has no run", ErrRateSweep, s.Name, p.Planned)
			}
		}
	}
	return nil
}

// median is the point's run at the median, figure by figure.
func (p RatePoint) median() RateRun {
	pick := func(f func(RateRun) float64) float64 {
		xs := make([]float64, len(p.Runs))
		for i, r := range p.Runs {
			xs[i] = f(r)
		}
		return stats.Median(xs)
	}
	return RateRun{Achieved: pick(func(r RateRun) float64 { return r.Achieved }),
		P50:  pick(func(r RateRun) float64 { return r.P50 }),
		P99:  pick(func(r RateRun) float64 { return r.P99 }),
		P999: pick(func(r RateRun) float64 { return r.P999 })}
}

// spread is the lowest and highest of a figure across the point's runs.
func (p RatePoint) spread(f func(RateRun) float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, r := range p.Runs {
		lo, hi = min(lo, f(r)), max(hi, f(r))
	}
	return lo, hi
}

// KneeAchieved is the median achieved rate at the knee; 0 without one.
func (s RateSeries) KneeAchieved() float64 {
	for _, p := range s.Points {
		if s.Knee > 0 && p.Planned == s.Knee {
			return p.median().Achieved
		}
	}
	return 0
}

// byRate is the series' points from the lowest rate up.
func (s RateSeries) byRate() []RatePoint {
	pts := slices.Clone(s.Points)
	slices.SortStableFunc(pts, func(a, b RatePoint) int { return cmpFloat(a.Planned, b.Planned) })
	return pts
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// WriteRateSweep writes sweep.json, sweep.md and latency-vs-rate.png into
// dir (created if missing).
func WriteRateSweep(dir string, rs *RateSweep) error {
	md, err := RateSweepMarkdown(rs)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	data, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, RateSweepFile), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	plots, err := latencyVsRate(rs)
	if err != nil {
		return fmt.Errorf("report: %s: %w", LatencyVsRateFile, err)
	}
	return writeSweepFiles(dir, LatencyVsRateFile, plots, md)
}

// ReadRateSweep reads a sweep.json that WriteRateSweep wrote.
func ReadRateSweep(path string) (*RateSweep, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var rs RateSweep
	if err := dec.Decode(&rs); err != nil {
		return nil, fmt.Errorf("report: %s: %w", path, err)
	}
	if err := rs.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &rs, nil
}

// RateSweepMarkdown renders a rate sweep's sweep.md: the knee of each
// swept workload, then every point it ran, from the lowest rate up.
func RateSweepMarkdown(rs *RateSweep) ([]byte, error) {
	if err := rs.check(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# nngbench rate sweep: %s\n\n", inline(rs.Scenario))
	if rs.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", inline(rs.Description))
	}
	kind := "fixed rates"
	if rs.Search {
		kind = "search for the highest rate that passes (doubling, then bisection)"
	}
	slo := "none (a point passes when it is valid)"
	if len(rs.SLO) > 0 {
		slo = strings.Join(rs.SLO, "; ")
	}
	table(&b, []string{"Field", "Value"}, [][]string{
		{"Scenario", rs.Scenario}, {"Sweep", kind}, {"SLO", slo},
		{"Runs per point", fmt.Sprint(rs.Repeat)}, {"Workers", fmt.Sprint(rs.Workers)},
		{"Transport", rs.Transport}, {"Machine", rs.Machine}, {"Commit", or(rs.Commit)},
	})
	b.WriteString("## Knee\n\nThe highest planned rate that passed (valid, every objective met, in every run) " +
		"below the lowest that failed, and the rate achieved there (median of its runs).\n\n")
	var rows [][]string
	for _, s := range rs.Workloads {
		knee, achieved := "none passed", "–"
		if s.Knee > 0 {
			knee, achieved = rate(s.Knee), rate(s.KneeAchieved())
		}
		rows = append(rows, []string{s.Name, or(s.Pattern), or(s.Mode), knee, achieved,
			fmt.Sprint(len(s.Points)), strings.Join(s.Objectives, "; ")})
	}
	table(&b, []string{"Workload", "Pattern", "Mode", "Knee, planned (msg/s)", "Achieved there (msg/s)",
		"Points", "Objectives"}, rows)
	spread := rs.Repeat > 1
	for _, s := range rs.Workloads {
		writeRateSeries(&b, s, rs.Repeat)
	}
	b.WriteString("## Figure\n\np50, p99 and p99.9 (corrected) against the achieved rate, log scale, a panel " +
		"per swept workload; the dashed line marks the knee")
	if spread {
		b.WriteString(", and each band the range of a point's runs around their median")
	}
	fmt.Fprintf(&b, ":\n\n![Latency against rate](%s)\n", LatencyVsRateFile)
	return b.Bytes(), nil
}

// writeRateSeries writes one swept workload's points, from the lowest rate
// up; with repeat > 1 each figure is the median of the runs, their range
// beside it.
func writeRateSeries(b *bytes.Buffer, s RateSeries, repeat int) {
	spread := repeat > 1
	fmt.Fprintf(b, "## %s\n\n", inline(s.Name))
	if spread {
		fmt.Fprintf(b, "Each figure is the median of %d runs, with their range in brackets.\n\n", repeat)
	}
	var rows [][]string
	for _, p := range s.byRate() {
		m := p.median()
		fig := func(f func(RateRun) float64, format func(float64) string) string {
			if !spread {
				return format(f(m))
			}
			lo, hi := p.spread(f)
			return format(f(m)) + " (" + format(lo) + "–" + format(hi) + ")"
		}
		valid, met := 0, 0
		var why []string
		for _, r := range p.Runs {
			if r.Valid {
				valid++
			}
			if r.SLOMet {
				met++
			}
			if r.Detail != "" && !slices.Contains(why, r.Detail) {
				why = append(why, r.Detail)
			}
		}
		rows = append(rows, []string{fmt.Sprint(p.Step), rate(p.Planned),
			fig(func(r RateRun) float64 { return r.Achieved }, rate),
			fig(func(r RateRun) float64 { return r.P50 }, ms),
			fig(func(r RateRun) float64 { return r.P99 }, ms),
			fig(func(r RateRun) float64 { return r.P999 }, ms),
			count(valid, len(p.Runs)), count(met, len(p.Runs)), passFail(p.Pass), strings.Join(why, "; "),
			"[" + p.Dir + "](" + p.Dir + ")"})
	}
	table(b, []string{"Step", "Planned (msg/s)", "Achieved (msg/s)", "p50 (ms)", "p99 (ms)", "p99.9 (ms)",
		"Valid", "SLO met", "Verdict", "Why not", "Runs"}, rows)
}

// count writes "n of k" for repeated points, "yes" or "no" for single ones.
func count(n, k int) string {
	if k == 1 {
		return map[bool]string{true: "yes", false: "no"}[n == 1]
	}
	return fmt.Sprintf("%d of %d", n, k)
}

// latencyVsRate is one panel per swept workload: p50, p99 and p99.9
// against the achieved rate, each point the median of its runs with a band
// from their lowest to their highest, and the knee as a dashed line.
func latencyVsRate(rs *RateSweep) ([]*plot.Plot, error) {
	var panels []*plot.Plot
	figs := []struct {
		name string
		get  func(RateRun) float64
	}{
		{"p50", func(r RateRun) float64 { return r.P50 / 1000 }},
		{"p99", func(r RateRun) float64 { return r.P99 / 1000 }},
		{"p99.9", func(r RateRun) float64 { return r.P999 / 1000 }},
	}
	for _, s := range rs.Workloads {
		c := newChart(s.Name+" ("+or(s.Mode)+"): latency against rate", "achieved rate (msgs/s)",
			"latency, corrected (ms, log scale)")
		c.p.Add(plotter.NewGrid())
		pts := s.byRate()
		slices.SortStableFunc(pts, func(a, b RatePoint) int { return cmpFloat(a.median().Achieved, b.median().Achieved) })
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, f := range figs {
			var mid plotter.XYs
			var upper, lower plotter.XYs
			for _, p := range pts {
				x := p.median().Achieved
				l, h := p.spread(f.get)
				mid = append(mid, plotter.XY{X: x, Y: f.get(p.median())})
				upper, lower = append(upper, plotter.XY{X: x, Y: h}), append(lower, plotter.XY{X: x, Y: l})
				if l > 0 {
					lo = min(lo, l)
				}
				hi = max(hi, h)
			}
			if rs.Repeat > 1 {
				if err := band(c.p, upper, lower, i); err != nil {
					return nil, fmt.Errorf("%s %s: %w", s.Name, f.name, err)
				}
			}
			if err := linePoints(c.p, f.name, mid, i, true); err != nil {
				return nil, fmt.Errorf("%s: %w", s.Name, err)
			}
		}
		logFit(c.p, lo, hi)
		if k := s.KneeAchieved(); k > 0 && !math.IsInf(lo, 0) {
			l, err := plotter.NewLine(plotter.XYs{{X: k, Y: c.p.Y.Min}, {X: k, Y: c.p.Y.Max}})
			if err != nil {
				return nil, err
			}
			l.Width, l.Dashes = vg.Points(1.5), []vg.Length{vg.Points(6), vg.Points(4)}
			c.p.Add(l)
			c.p.Legend.Add(fmt.Sprintf("knee %s/s", rate(k)), l)
		}
		panels = append(panels, c.p)
	}
	return panels, nil
}

// band shades the area between upper and lower (the same x's) in the i-th
// colour, lighter, on a log axis (points at or below zero left out).
func band(p *plot.Plot, upper, lower plotter.XYs, i int) error {
	var ring plotter.XYs
	for _, xy := range upper {
		if xy.Y > 0 {
			ring = append(ring, xy)
		}
	}
	for j := len(lower) - 1; j >= 0; j-- {
		if lower[j].Y > 0 {
			ring = append(ring, lower[j])
		}
	}
	if len(ring) < 3 {
		return nil
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		return err
	}
	poly.Color = lighter(colour(i))
	poly.Width = 0
	p.Add(poly)
	return nil
}

// logFit puts the y axis on a log scale from lo to hi, with room for the
// legend; a panel without positive figures gets a placeholder range.
func logFit(p *plot.Plot, lo, hi float64) {
	if math.IsInf(lo, 1) || hi <= 0 {
		lo, hi = 0.001, 1
	}
	p.Y.Min, p.Y.Max = lo/2, max(hi*8, lo*10)
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
}

// lighter is c blended halfway to white, for a band behind its line.
func lighter(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8((v>>8 + 255) / 2) } //nolint:gosec // at most 255
	return color.RGBA{R: mix(r), G: mix(g), B: mix(b), A: 255}
}
