package report

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/nngbench/nngbench/harness/result"
)

// spectrum is the HdrHistogram percentile axis: x = 1/(1-p).
var spectrum = []plot.Tick{
	{Value: 1, Label: "0%"},
	{Value: 2, Label: "50%"},
	{Value: 10, Label: "90%"},
	{Value: 100, Label: "99%"},
	{Value: 1e3, Label: "99.9%"},
	{Value: 1e4, Label: "99.99%"},
	{Value: 1e5, Label: "99.999%"},
	{Value: 1e6, Label: "99.9999%"},
}

// spectrumXY places p50..p99.99 at their percentiles and max at 99.999%,
// converting microseconds to milliseconds: the curve of a result without
// its .hgrm files, six points joined by lines.
func spectrumXY(p result.Percentiles) plotter.XYs {
	ys := []float64{p.P50, p.P90, p.P99, p.P999, p.P9999, p.Max}
	xys := make(plotter.XYs, len(ys))
	for i, y := range ys {
		xys[i] = plotter.XY{X: spectrum[i+1].Value, Y: y / 1000}
	}
	return xys
}

// readHgrm reads the percentile distribution of an .hgrm file (values in
// milliseconds, as result.Write writes them): every row of HdrHistogram's
// percentile iteration, at x = 1/(1-percentile), as the HdrHistogram
// plotter draws it. The last row, at percentile 1 (x infinite), is the
// maximum: it is placed at twice the last finite x, where the plotter's
// line would end. A missing file is os.ErrNotExist; a malformed row an
// error naming the file and line.
func readHgrm(path string) (plotter.XYs, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var xys plotter.XYs
	header := false
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		fields := strings.Fields(s.Text())
		switch {
		case len(fields) == 0 || strings.HasPrefix(fields[0], "#"):
		case !header && fields[0] == "Value":
			header = true
		case len(fields) != 4:
			return nil, fmt.Errorf("%s:%d: %d fields, want 4 (value, percentile, count, 1/(1-percentile))", path, n, len(fields))
		default:
			v, err1 := strconv.ParseFloat(fields[0], 64)
			p, err2 := strconv.ParseFloat(fields[1], 64)
			if err := errors.Join(err1, err2); err != nil || p < 0 || p > 1 {
				return nil, fmt.Errorf("%s:%d: not a value and a percentile in [0,1]: %q", path, n, s.Text())
			}
			var x float64
			if p < 1 {
				x = 1 / (1 - p)
			} else if len(xys) > 0 {
				x = 2 * xys[len(xys)-1].X
			} else {
				x = 1
			}
			xys = append(xys, plotter.XY{X: x, Y: v})
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(xys) == 0 {
		return nil, fmt.Errorf("%s: no percentile rows", path)
	}
	return xys, nil
}

// distribution is workload w's curve from the .hgrm file in src (suffix
// "" corrected, ".uncorrected" not), or its six result.json points when
// the file is absent (a result read without its folder); whole says which.
func distribution(src string, w result.Workload, suffix string) (xys plotter.XYs, whole bool, err error) {
	if src != "" {
		xys, err := readHgrm(filepath.Join(src, w.Name+suffix+".hgrm"))
		switch {
		case err == nil:
			return xys, true, nil
		case !errors.Is(err, os.ErrNotExist):
			return nil, false, err
		}
	}
	if suffix == "" {
		return spectrumXY(w.Latency), false, nil
	}
	return spectrumXY(w.LatencyUncorrected), false, nil
}

// curve is one line of the percentile chart.
type curve struct {
	name   string
	xys    plotter.XYs
	colour int // the workload's index
	dashed bool
}

// percentileCurves are each workload's corrected and uncorrected curves,
// from the .hgrm files in src where they are.
func percentileCurves(src string, r *result.Result) ([]curve, error) {
	var out []curve
	for i, w := range r.Workloads {
		for _, s := range []struct {
			suffix, name string
			dashed       bool
		}{{"", " corrected", false}, {".uncorrected", " uncorrected", true}} {
			xys, whole, err := distribution(src, w, s.suffix)
			if err != nil {
				return nil, err
			}
			name := w.Name + s.name
			if !whole {
				name += " (6 points, no .hgrm)"
			}
			out = append(out, curve{name: name, xys: xys, colour: i, dashed: s.dashed})
		}
	}
	return out, nil
}

// percentileChart draws each workload's latency against its percentile,
// corrected (solid) and uncorrected (dashed), from every step of the
// .hgrm files in src, on HdrHistogram's log-scaled percentile axis.
func percentileChart(src string, r *result.Result) (*chart, error) {
	curves, err := percentileCurves(src, r)
	if err != nil {
		return nil, err
	}
	c := newChart("Latency by percentile: "+r.Scenario,
		"percentile (every step of the .hgrm distribution)", "latency (ms)")
	// Bottom right: latency rises with the percentile, so the curves
	// leave that corner empty.
	c.p.Legend.Top = false
	c.p.Add(plotter.NewGrid())
	top := 1e5
	for _, cv := range curves {
		if err := c.line(cv.name, cv.xys, colour(cv.colour), cv.dashed, true); err != nil {
			return nil, err
		}
		for _, xy := range cv.xys {
			top = max(top, xy.X)
		}
	}
	c.p.X.Min, c.p.X.Max = 1, 2*top
	c.p.X.Scale = plot.LogScale{}
	c.p.X.Tick.Marker = plot.ConstantTicks(spectrum)
	c.logY()
	return c, nil
}
