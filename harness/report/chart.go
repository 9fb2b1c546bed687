package report

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Size of every chart, in pixels.
const (
	Width  = 1200
	Height = 700
)

// FaultShade fills a fault's window on the time charts; opaque, so its
// pixels can be found in the PNG.
var FaultShade = color.RGBA{R: 255, G: 224, B: 178, A: 255}

// chart is a plot ready to be rendered at Width x Height.
type chart struct{ p *plot.Plot }

func newChart(title, x, y string) *chart {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	return &chart{p: p}
}

// save renders the chart to a PNG file of exactly Width x Height pixels.
func (c *chart) save(path string) error { return saveRow(path, c.p) }

// saveRow renders plots side by side, with their plot areas aligned, into
// one PNG file of exactly Width x Height pixels.
func saveRow(path string, plots ...*plot.Plot) error {
	return savePNG(path, func(dc draw.Canvas) error {
		if len(plots) == 1 {
			plots[0].Draw(dc)
			return nil
		}
		// Paint the gaps between the panels, which no plot covers.
		r := dc.Rectangle
		dc.FillPolygon(color.White, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
		tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Points(24), PadLeft: vg.Points(4),
			PadRight: vg.Points(4), PadTop: vg.Points(4), PadBottom: vg.Points(4)}
		top := dc.Max.Y - tiles.PadTop
		canvases := plot.Align([][]*plot.Plot{plots}, tiles, dc)[0] // one per plot
		for i, pl := range plots {
			// Align lines up the plot areas by lowering some tiles' tops,
			// and a title sits at its tile's top: raise each tile back and
			// pad its title by as much, so the titles line up too.
			tc := canvases[i]
			p := *pl
			p.Title.Padding += top - tc.Max.Y
			tc.Max.Y = top
			p.Draw(tc)
		}
		return nil
	})
}

// savePNG renders draw into one PNG file of exactly Width x Height pixels.
func savePNG(path string, render func(draw.Canvas) error) (err error) {
	// UseImage fixes the size in pixels; the canvas draws on its own copy.
	cv := vgimg.NewWith(vgimg.UseImage(image.NewRGBA(image.Rect(0, 0, Width, Height))))
	if err := render(draw.New(cv)); err != nil {
		return err
	}
	img := cv.Image()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if e := f.Close(); err == nil {
			err = e
		}
	}()
	return png.Encode(f, img)
}

// line adds a series; points with a non-positive y are left out when the
// y axis is logarithmic, as a log scale cannot place them.
func (c *chart) line(name string, xys plotter.XYs, col color.Color, dashed, logY bool) error {
	kept := make(plotter.XYs, 0, len(xys))
	for _, xy := range xys {
		if (!logY || xy.Y > 0) && !math.IsNaN(xy.Y) && !math.IsInf(xy.Y, 0) {
			kept = append(kept, xy)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	l, err := plotter.NewLine(kept)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	l.Color = col
	l.Width = vg.Points(1.5)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
	}
	c.p.Add(l)
	c.p.Legend.Add(name, l)
	return nil
}

// logY puts the y axis on a log scale; an axis with no positive data gets
// a placeholder range so the scale can still be drawn.
func (c *chart) logY() {
	y := &c.p.Y
	if y.Min <= 0 || y.Max <= 0 {
		y.Min, y.Max = 0.001, 1
	}
	if y.Max <= y.Min {
		y.Max = y.Min * 10
	}
	y.Scale = plot.LogScale{}
	y.Tick.Marker = plot.LogTicks{Prec: -1}
}

// colour is the i-th series colour; each workload takes its own.
func colour(i int) color.Color { return plotutil.Color(i) }
