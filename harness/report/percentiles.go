package report

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/nngbench/nngbench/harness/result"
)

// spectrum is the HdrHistogram percentile axis: x = 1/(1-p).
var spectrum = []plot.Tick{
	{Value: 2, Label: "50%"},
	{Value: 10, Label: "90%"},
	{Value: 100, Label: "99%"},
	{Value: 1e3, Label: "99.9%"},
	{Value: 1e4, Label: "99.99%"},
	{Value: 1e5, Label: "99.999%"},
}

// spectrumXY places p50..p99.99 at their percentiles and max at 99.999%,
// converting microseconds to milliseconds.
func spectrumXY(p result.Percentiles) plotter.XYs {
	ys := []float64{p.P50, p.P90, p.P99, p.P999, p.P9999, p.Max}
	xys := make(plotter.XYs, len(ys))
	for i, y := range ys {
		xys[i] = plotter.XY{X: spectrum[i].Value, Y: y / 1000}
	}
	return xys
}

func percentileChart(r *result.Result) (*chart, error) {
	c := newChart("Latency by percentile: "+r.Scenario,
		"percentile (max drawn at 99.999%)", "latency (ms)")
	c.p.Legend.Left = true
	c.p.Add(plotter.NewGrid())
	for i, w := range r.Workloads {
		col := colour(i)
		if err := c.line(w.Name+" corrected", spectrumXY(w.Latency), col, false, true); err != nil {
			return nil, err
		}
		if err := c.line(w.Name+" uncorrected", spectrumXY(w.LatencyUncorrected), col, true, true); err != nil {
			return nil, err
		}
	}
	c.p.X.Min, c.p.X.Max = 1, 2e5
	c.p.X.Scale = plot.LogScale{}
	c.p.X.Tick.Marker = plot.ConstantTicks(spectrum)
	c.logY()
	return c, nil
}
