package report

import (
	"image/color"

	"gonum.org/v1/plot/plotter"

	"github.com/nngbench/nngbench/harness/result"
)

// series picks one value per interval, x being the interval's start;
// past two per pixel column, each column's lowest and highest (decimated).
func series(iv []result.Interval, y func(result.Interval) float64) plotter.XYs {
	return decimated(iv, y, maxBuckets)
}

type seriesSpec struct {
	name   string
	y      func(result.Interval) float64
	dashed bool
	shade  float64 // how far toward white the workload's colour is taken
}

// timeChart draws specs for every workload over the measured window, with
// the faults' windows shaded behind.
func timeChart(r *result.Result, title, ylabel string, logY bool, specs []seriesSpec) (*chart, error) {
	c := newChart(title, "time since measured window start (s)", ylabel)
	c.p.Add(&faultBands{windows: faultWindows(r)}, plotter.NewGrid()) // grid over the shading
	for i, w := range r.Workloads {
		for _, s := range specs {
			col := lighten(colour(i), s.shade)
			if err := c.line(w.Name+" "+s.name, series(w.Intervals, s.y), col, s.dashed, logY); err != nil {
				return nil, err
			}
		}
	}
	c.fitTime(r)
	if logY {
		c.logY()
	} else {
		c.p.Y.Min = min(c.p.Y.Min, 0)
		c.p.Y.Max = max(c.p.Y.Max*1.05, 1) // headroom above the top line
	}
	return c, nil
}

// fitTime spans the x axis over the run and every fault window.
func (c *chart) fitTime(r *result.Result) {
	x := &c.p.X
	x.Min = min(x.Min, 0)
	x.Max = max(x.Max, r.DurationS)
	for _, w := range faultWindows(r) {
		x.Min, x.Max = min(x.Min, w.start), max(x.Max, w.end)
	}
	if x.Max <= x.Min {
		x.Max = x.Min + 1
	}
}

func latencyChart(r *result.Result) (*chart, error) {
	return timeChart(r, "Latency per interval: "+r.Scenario, "latency (ms)", true, []seriesSpec{
		{name: "p50", y: func(v result.Interval) float64 { return v.P50US / 1000 }},
		{name: "p99", y: func(v result.Interval) float64 { return v.P99US / 1000 }, dashed: true},
		{name: "max", y: func(v result.Interval) float64 { return v.MaxUS / 1000 }, shade: 0.5},
	})
}

func throughputChart(r *result.Result) (*chart, error) {
	return timeChart(r, "Throughput per interval: "+r.Scenario, "messages per second (msgs/s)", false, []seriesSpec{
		{name: "sent", y: func(v result.Interval) float64 { return float64(v.Sent) / intervalLen(r) }, dashed: true},
		{name: "received", y: func(v result.Interval) float64 { return float64(v.Received) / intervalLen(r) }},
	})
}

// intervalLen is the length of one interval in seconds, from the spacing
// of the first workload that has two; 1 s otherwise.
func intervalLen(r *result.Result) float64 {
	for _, w := range r.Workloads {
		if len(w.Intervals) > 1 {
			if d := w.Intervals[1].TS - w.Intervals[0].TS; d > 0 {
				return d
			}
		}
	}
	return 1
}

// lighten mixes c with white by f in [0,1].
func lighten(c color.Color, f float64) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8(float64(v>>8) + (255-float64(v>>8))*f) }
	return color.RGBA{R: mix(r), G: mix(g), B: mix(b), A: 255}
}
