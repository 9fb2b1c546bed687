package report

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/nngbench/nngbench/harness/result"
)

// window is when a fault was in effect, in seconds after the measured
// window starts.
type window struct {
	name       string
	start, end float64
}

// actualWindow is when f really took effect. A fault never applied has
// none; one never healed lasts to the end of the run.
func actualWindow(r *result.Result, f result.Fault) (window, bool) {
	if f.StartedAt.IsZero() {
		return window{}, false
	}
	w := window{name: f.Name, start: f.StartedAt.Sub(r.StartedAt).Seconds(), end: r.DurationS}
	if !f.EndedAt.IsZero() {
		w.end = f.EndedAt.Sub(r.StartedAt).Seconds()
	}
	w.end = max(w.end, w.start)
	return w, true
}

func faultWindows(r *result.Result) []window {
	var ws []window
	for _, f := range r.Faults {
		if w, ok := actualWindow(r, f); ok {
			ws = append(ws, w)
		}
	}
	return ws
}

// faultBands shades each window over the full height of the plot area and
// names it at the top. It has no data range, so it never moves the axes.
type faultBands struct{ windows []window }

func (fb *faultBands) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	label := draw.TextStyle{
		Color:   p.Title.TextStyle.Color,
		Font:    p.X.Label.TextStyle.Font,
		Handler: p.X.Label.TextStyle.Handler,
		XAlign:  draw.XLeft,
		YAlign:  draw.YTop,
	}
	label.Font.Size = vg.Points(10)
	for _, w := range fb.windows {
		x0 := max(trX(w.start), c.Min.X)
		x1 := min(trX(w.end), c.Max.X)
		if x1 <= x0 {
			x1 = min(x0+1, c.Max.X) // an instant still shows
		}
		band := c.ClipPolygonXY([]vg.Point{
			{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y},
		})
		c.FillPolygon(FaultShade, band)
		c.FillText(label, vg.Point{X: x0 + vg.Points(2), Y: c.Max.Y - vg.Points(2)}, w.name)
	}
}
