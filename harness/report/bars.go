package report

import (
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// logSpan is how many times the largest value may exceed the smallest
// before an axis turns logarithmic: beyond it, small bars or lines would
// sit flat on the axis.
const logSpan = 20

// barSeries is one bar per category, all in one colour.
type barSeries struct {
	name   string
	values []float64 // one per category; non-positive values draw no bar
}

// bars draws one series of a grouped bar chart: a bar of width `width`
// (in categories) per category i, centred at i+offset. Bars rise from the
// bottom of the plot area rather than from zero, so they stand on a log
// axis too, where zero has no place.
type bars struct {
	values        []float64
	offset, width float64
	colour        color.Color
}

func (b *bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i, v := range b.values {
		if v <= 0 || v < p.Y.Min || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		x := float64(i) + b.offset
		x0, x1 := trX(x-b.width/2), trX(x+b.width/2)
		y1 := min(trY(v), c.Max.Y)
		c.FillPolygon(b.colour, c.ClipPolygonXY([]vg.Point{
			{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: y1}, {X: x0, Y: y1},
		}))
	}
}

// DataRange spans the categories and the positive values; barPanel sets
// the y range from it.
func (b *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = -0.5, float64(len(b.values))-0.5
	ymin, ymax = math.Inf(1), math.Inf(-1)
	for _, v := range b.values {
		if v > 0 && !math.IsInf(v, 0) {
			ymin, ymax = min(ymin, v), max(ymax, v)
		}
	}
	if math.IsInf(ymin, 1) {
		ymin, ymax = 0, 0
	}
	return xmin, xmax, ymin, ymax
}

func (b *bars) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	c.FillPolygon(b.colour, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
}

// barPanel is a grouped bar chart: one group per category, one bar per
// series side by side in the series' colours (colour(i) for series i). The
// y axis turns logarithmic when the values span more than logSpan times.
// A category's label may have a second line, which may span `span`
// categories (the label of a group of them, written under the middle one).
func barPanel(title, xlabel, ylabel string, categories []string, span int, series []barSeries) *plot.Plot {
	c := newChart(title, xlabel, ylabel)
	p := c.p
	p.Add(plotter.NewGrid())
	width := 0.8 / float64(max(len(series), 1))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, s := range series {
		b := &bars{values: s.values, width: width, colour: colour(i),
			offset: (float64(i) - float64(len(series)-1)/2) * width}
		p.Add(b)
		p.Legend.Add(s.name, b)
		_, _, ymin, ymax := b.DataRange()
		if ymax > 0 {
			lo, hi = min(lo, ymin), max(hi, ymax)
		}
	}
	if len(categories) > 0 {
		p.NominalX(categories...)
		fitLabels(p, categories, span)
	}
	// At least three slots wide, so one or two groups do not fill the panel.
	n := float64(max(len(categories), 3))
	mid := float64(len(categories)-1) / 2
	p.X.Min, p.X.Max = mid-n/2, mid+n/2
	fitY(p, lo, hi)
	return p
}

// barPanelWidth is about the width of a bar panel's plot area, two panels
// to an image, in points (the canvas draws at vgimg.DefaultDPI).
const barPanelWidth = vg.Length(Width/2-90) * vg.Inch / vgimg.DefaultDPI

// fitLabels shrinks the category labels, down to 6 pt, until each line
// fits its room (a slot; span slots for second lines), so neighbours do
// not run into each other.
func fitLabels(p *plot.Plot, categories []string, span int) {
	style := &p.X.Tick.Label
	slot := barPanelWidth / vg.Length(max(len(categories), 3)) * 0.9
	scale := 1.0
	for _, c := range categories {
		for i, line := range strings.Split(c, "\n") {
			room := slot
			if i > 0 {
				room *= vg.Length(max(span, 1))
			}
			scale = min(scale, float64(room/style.Width(line)))
		}
	}
	if scale < 1 {
		style.Font.Size = max(vg.Points(6), style.Font.Size*vg.Length(scale))
	}
}

// fitY sets the y range to hold lo..hi, the smallest and largest positive
// values (lo = +Inf when there are none), with headroom for the legend at
// the top. A linear axis starts at zero; one spanning more than logSpan
// turns logarithmic and starts at lo/2, so the smallest value still shows.
func fitY(p *plot.Plot, lo, hi float64) {
	switch {
	case math.IsInf(lo, 1) || hi <= 0:
		p.Y.Min, p.Y.Max = 0, 1
	case logAxis(lo, hi):
		p.Y.Min, p.Y.Max = lo/2, hi*8
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		p.Y.Label.Text += ", log scale"
	default:
		p.Y.Min, p.Y.Max = 0, hi*1.3
	}
}

// logAxis says whether values from lo to hi (the positive ones) need a log
// axis.
func logAxis(lo, hi float64) bool { return hi > 0 && hi/lo > logSpan }
