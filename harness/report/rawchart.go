package report

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/nngbench/nngbench/harness/result"
)

// RawFile is the every-operation chart Write draws: Jepsen's latency-raw.
const RawFile = "latency-raw.png"

// Sizes of the every-operation chart's parts.
var (
	rawLegendWidth = vg.Points(200) // the strip on the right that holds the legend, off the data
	rawLaneHeight  = vg.Points(15)  // one fault's lane, above the data
	rawTitleHeight = vg.Points(24)
	rawGlyphRadius = vg.Points(1.6)
)

// workloadShapes tell the workloads apart; the outcome is the colour.
var workloadShapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{}} // filled, so each point shows its colour

// rawChart is every operation of a run as a point, time against latency,
// coloured by outcome, with a lane per fault above the data and the legend
// in a strip of its own.
type rawChart struct {
	title  string
	series []rawSeries
	lanes  []lane
	xMax   float64 // seconds
	note   string  // why there are no points, when there are none
}

// rawLayout is where draw put the chart's parts, in the canvas' units.
type rawLayout struct {
	data   vg.Rectangle   // the plot area: every point lies in it
	lanes  []vg.Rectangle // one per fault, in lane order
	legend vg.Rectangle   // the legend's own extent
}

// newRawChart draws r's operations from its history's series (nil when
// the run has no history beside it: the chart says so).
func newRawChart(r *result.Result, series []rawSeries, note string) *rawChart {
	rc := &rawChart{title: "Every operation, latency from its intended send: " + r.Scenario, series: series, lanes: faultLanes(r), xMax: r.DurationS, note: note}
	for _, s := range series {
		for _, p := range s.points {
			rc.xMax = max(rc.xMax, p.t)
		}
	}
	for _, l := range rc.lanes {
		rc.xMax = max(rc.xMax, l.end)
	}
	if rc.xMax <= 0 {
		rc.xMax = 1
	}
	return rc
}

// outcomes in drawing order: failures last, so that no ok point hides one.
var outcomes = []struct {
	o      outcome
	name   string
	colour color.Color
}{{outcomeOK, "ok", OKColour}, {outcomeTimeout, "timeout", TimeoutColour}, {outcomeError, "error", ErrorColour}}

// plot builds the data plot: one scatter per workload and outcome.
func (rc *rawChart) plot() (*plot.Plot, *plot.Legend, error) {
	p := plot.New()
	p.X.Label.Text = "time since measured window start (s)"
	p.Y.Label.Text = "latency (ms)" // from the intended send: the title says so; a longer label would push the plot down
	p.Add(plotter.NewGrid())
	lg := plot.NewLegend()
	lg.Top, lg.Left = true, true
	lg.TextStyle.Font.Size = vg.Points(10)
	lo, hi := math.Inf(1), 0.0
	for _, s := range rc.series {
		for _, pt := range s.points {
			if pt.ms > 0 {
				lo, hi = min(lo, pt.ms), max(hi, pt.ms)
			}
		}
	}
	if hi == 0 {
		lo, hi = 0.001, 1
	}
	yMin, yMax := lo/1.5, hi*1.5
	for _, oc := range outcomes {
		th, err := glyphs(plotter.XYs{{X: 0, Y: 1}}, oc.colour, draw.CircleGlyph{})
		if err != nil {
			return nil, nil, err
		}
		lg.Add(oc.name, th)
		for i, s := range rc.series {
			var xys plotter.XYs
			for _, pt := range s.points {
				if pt.outcome == oc.o {
					xys = append(xys, plotter.XY{X: pt.t, Y: max(pt.ms, yMin)})
				}
			}
			if len(xys) == 0 {
				continue
			}
			sc, err := glyphs(xys, oc.colour, workloadShapes[i%len(workloadShapes)])
			if err != nil {
				return nil, nil, err
			}
			p.Add(sc)
		}
	}
	for i, s := range rc.series {
		th, err := glyphs(plotter.XYs{{X: 0, Y: 1}}, color.Gray{Y: 90}, workloadShapes[i%len(workloadShapes)])
		if err != nil {
			return nil, nil, err
		}
		drawn := fmt.Sprintf("%s: %d ok", s.name, s.okTotal)
		if s.okDrawn < s.okTotal {
			drawn = fmt.Sprintf("%s: %d of %d ok", s.name, s.okDrawn, s.okTotal)
		}
		lg.Add(fmt.Sprintf("%s, %d failed", drawn, s.failures), th)
	}
	for _, l := range rc.lanes {
		lg.Add("fault "+l.name, swatch{l.colour})
	}
	if rc.note != "" {
		p.Title.Text = rc.note
		p.Title.TextStyle.Font.Size = vg.Points(10)
	}
	p.X.Min, p.X.Max = 0, rc.xMax
	p.Y.Min, p.Y.Max = yMin, yMax
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	return p, &lg, nil
}

func glyphs(xys plotter.XYs, col color.Color, shape draw.GlyphDrawer) (*plotter.Scatter, error) {
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: rawGlyphRadius, Shape: shape}
	return sc, nil
}

// swatch is a legend thumbnail filled with one colour.
type swatch struct{ colour color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	c.FillPolygon(s.colour, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
}

// draw renders the chart on dc: the title, the fault lanes, the data plot
// below them, and the legend in the strip on the right.
func (rc *rawChart) draw(dc draw.Canvas) (rawLayout, error) {
	var out rawLayout
	p, lg, err := rc.plot()
	if err != nil {
		return out, err
	}
	fill(dc, dc.Rectangle, color.White)
	left := dc
	left.Max.X -= rawLegendWidth
	title := draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, vg.Points(14)), Handler: plot.DefaultTextHandler,
		XAlign: draw.XCenter, YAlign: draw.YTop}
	dc.FillText(title, vg.Point{X: (left.Min.X + left.Max.X) / 2, Y: dc.Max.Y - vg.Points(4)}, rc.title)
	stripTop := dc.Max.Y - rawTitleHeight
	data := left
	data.Max.Y = stripTop - rawLaneHeight*vg.Length(len(rc.lanes)) - vg.Points(4)
	p.Draw(data)
	da := p.DataCanvas(data)
	out.data = da.Rectangle
	trX, _ := p.Transforms(&da)
	name := draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, vg.Points(9)), Handler: plot.DefaultTextHandler,
		XAlign: draw.XLeft, YAlign: draw.YCenter}
	for i, l := range rc.lanes {
		box := vg.Rectangle{Min: vg.Point{X: da.Min.X, Y: stripTop - rawLaneHeight*vg.Length(i+1) + 1},
			Max: vg.Point{X: da.Max.X, Y: stripTop - rawLaneHeight*vg.Length(i) - 1}}
		out.lanes = append(out.lanes, box)
		fill(dc, box, color.Gray{Y: 242})
		x0, x1 := max(trX(l.start), da.Min.X), min(trX(l.end), da.Max.X)
		x1 = max(x1, min(x0+1, da.Max.X)) // an instant still shows
		fill(dc, vg.Rectangle{Min: vg.Point{X: x0, Y: box.Min.Y}, Max: vg.Point{X: x1, Y: box.Max.Y}}, l.colour)
		// The start and end across the data, thin, so a point can be read
		// against the fault's window.
		edge := draw.LineStyle{Color: l.colour, Width: vg.Points(0.75), Dashes: []vg.Length{vg.Points(3), vg.Points(3)}}
		for _, x := range []vg.Length{x0, x1} {
			dc.StrokeLine2(edge, x, da.Min.Y, x, box.Min.Y)
		}
		at := vg.Point{X: x0 + vg.Points(3), Y: (box.Min.Y + box.Max.Y) / 2}
		if w := name.Width(l.name); at.X+w > da.Max.X {
			at.X = max(da.Max.X-w-vg.Points(3), da.Min.X)
		}
		dc.FillText(name, at, l.name)
	}
	legend := dc
	legend.Min.X = left.Max.X + vg.Points(8)
	legend.Max.Y = stripTop
	lg.Draw(legend)
	// Legend.Rectangle places a Left legend at the canvas' right edge,
	// where Draw does not put it: take its size only.
	size := lg.Rectangle(legend).Size()
	out.legend = vg.Rectangle{Min: vg.Point{X: legend.Min.X, Y: legend.Max.Y - size.Y}, Max: vg.Point{X: legend.Min.X + size.X, Y: legend.Max.Y}}
	return out, nil
}

func fill(c draw.Canvas, r vg.Rectangle, col color.Color) {
	c.FillPolygon(col, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
}
