package report

import (
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"

	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/result"
)

var rawT0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func ns(d time.Duration) int64 { return rawT0.Add(d).UnixNano() }

// rawFixture is a run of 10 s with three faults, two of them overlapping
// for 2 s and a third inside both: workload "cmds" sends every 50 ms, each
// answered in 1 ms except one in 900 ms, with 5 timeouts, 3 error replies,
// a foreign receipt (no latency) and a warmup message (before the window);
// "cast" sends 50 messages, each to two peers.
func rawFixture() (*result.Result, *history.History) {
	ms := time.Millisecond
	var cmds []history.Op
	cmds = append(cmds, history.SendOp(0, 999, 0, ns(-time.Second), ns(-time.Second), 8),
		history.ReceiptOp(0, 999, 0, ns(-time.Second+ms), 8)) // warmup: left out
	for i := range uint64(200) {
		due := ns(time.Duration(i) * 50 * ms)
		cmds = append(cmds, history.SendOp(0, i, 0, due, due, 8))
		switch {
		case i == 100:
			cmds = append(cmds, history.ReceiptOp(0, i, 0, due+int64(900*ms), 8))
		case i%40 == 7:
			cmds = append(cmds, history.FailOp(0, i, 0, due, due+int64(time.Second), history.Timeout))
		case i%60 == 11:
			op := history.ReceiptOp(0, i, 0, due+int64(3*ms), 8)
			op.Outcome = history.Error
			cmds = append(cmds, op)
		default:
			cmds = append(cmds, history.ReceiptOp(0, i, 0, due+int64(ms), 8))
		}
	}
	cmds = append(cmds, history.ForeignOp(0, ns(5*time.Second)))
	var cast []history.Op
	for i := range uint64(50) {
		due := ns(time.Duration(i) * 200 * ms)
		cast = append(cast, history.SendOp(0, i, history.NoPeer, due, due, 8),
			history.ReceiptOp(0, i, 0, due+int64(2*ms), 8), history.ReceiptOp(0, i, 1, due+int64(4*ms), 8))
	}
	h := &history.History{
		Meta:  history.Meta{Workloads: []history.Workload{{Name: "cmds"}, {Name: "cast"}}},
		Tapes: [][][]history.Op{{cmds}, {cast}},
	}
	at := func(s float64) time.Time { return rawT0.Add(time.Duration(s * float64(time.Second))) }
	r := &result.Result{Scenario: "raw", StartedAt: rawT0, DurationS: 10, Faults: []result.Fault{
		{Name: "latency-1", StartedAt: at(2), EndedAt: at(6)},
		{Name: "partition-2", StartedAt: at(4), EndedAt: at(8)},
		{Name: "pause-3", StartedAt: at(5), EndedAt: at(5.5)},
		{Name: "never-applied"},
	}}
	return r, h
}

func TestRawOps(t *testing.T) {
	t.Parallel()
	r, h := rawFixture()
	series := rawOps(h, r.StartedAt.UnixNano())
	if len(series) != 2 {
		t.Fatalf("%d series, want 2", len(series))
	}
	count := func(s rawSeries, o outcome) (n int) {
		for _, p := range s.points {
			if p.outcome == o {
				n++
			}
		}
		return n
	}
	cmds, cast := series[0], series[1]
	// 200 sends: 5 timeouts (i%40 == 7), 4 error replies (i%60 == 11: 11,
	// 71, 131, 191), the rest ok; the foreign receipt and warmup left out.
	for _, c := range []struct {
		s    rawSeries
		o    outcome
		want int
	}{{cmds, outcomeOK, 191}, {cmds, outcomeTimeout, 5}, {cmds, outcomeError, 4}, {cast, outcomeOK, 100}} {
		if got := count(c.s, c.o); got != c.want {
			t.Errorf("%s: %d points of outcome %d, want %d", c.s.name, got, c.o, c.want)
		}
	}
	var slow, timeout rawPoint
	for _, p := range cmds.points {
		if p.ms > slow.ms && p.outcome == outcomeOK {
			slow = p
		}
		if p.outcome == outcomeTimeout && timeout.t == 0 {
			timeout = p
		}
	}
	// Latency from the intended send, at the time the op ended.
	if math.Abs(slow.ms-900) > 1e-9 || math.Abs(slow.t-5.9) > 1e-9 {
		t.Errorf("slowest ok at %gs, %g ms; want 5.9s, 900 ms", slow.t, slow.ms)
	}
	if math.Abs(timeout.ms-1000) > 1e-9 || math.Abs(timeout.t-1.35) > 1e-9 {
		t.Errorf("first timeout at %gs, %g ms; want 1.35s, 1000 ms", timeout.t, timeout.ms)
	}
}

func TestRawSample(t *testing.T) {
	t.Parallel()
	var pts []rawPoint
	for i := range 100_000 {
		pts = append(pts, rawPoint{t: float64(i) / 1000, ms: 1 + float64(i%997)/1000})
		if i%1000 == 0 {
			pts = append(pts, rawPoint{t: float64(i) / 1000, ms: 1000, outcome: outcomeTimeout})
		}
	}
	pts[77_777].ms = 5000 // the slowest
	s := sample("w", pts)
	var timeouts int
	var slowest bool
	for _, p := range s.points {
		if p.outcome == outcomeTimeout {
			timeouts++
		}
		slowest = slowest || p.ms == 5000
	}
	if s.okDrawn > MaxRawOK || s.okDrawn < MaxRawOK*9/10 || s.okTotal != 100_000 {
		t.Errorf("%d of %d ok drawn, want at most and about %d", s.okDrawn, s.okTotal, MaxRawOK)
	}
	if timeouts != 100 || s.failures != 100 || !slowest {
		t.Errorf("%d timeouts drawn of %d, slowest drawn %v; want all 100 and the slowest", timeouts, s.failures, slowest)
	}
	if small := sample("w", pts[:500]); small.okDrawn != small.okTotal {
		t.Errorf("%d of %d drawn: under the bound every op is drawn", small.okDrawn, small.okTotal)
	}
}

// drawn is what the recording canvas saw: each fill with its colour and
// extent, each text with where it went.
type drawn struct {
	fills []fillOp
	texts map[string]vg.Point
}

type fillOp struct {
	colour color.Color
	box    vg.Rectangle
}

func record(t *testing.T, rc *rawChart) (drawn, rawLayout) {
	t.Helper()
	rec := &recorder.Canvas{}
	// The PNG's size in points: Width x Height pixels at 96 dpi.
	size := vg.Point{X: vg.Length(Width) * 72 / 96, Y: vg.Length(Height) * 72 / 96}
	lay, err := rc.draw(draw.Canvas{Canvas: rec, Rectangle: vg.Rectangle{Max: size}})
	if err != nil {
		t.Fatal(err)
	}
	d := drawn{texts: map[string]vg.Point{}}
	var col color.Color
	for _, a := range rec.Actions {
		switch a := a.(type) {
		case *recorder.SetColor:
			col = a.Color
		case *recorder.Fill:
			d.fills = append(d.fills, fillOp{colour: col, box: bounds(a.Path)})
		case *recorder.FillString:
			d.texts[a.String] = a.Point
		}
	}
	return d, lay
}

func bounds(p vg.Path) vg.Rectangle {
	r := vg.Rectangle{Min: vg.Point{X: math.MaxFloat64, Y: math.MaxFloat64}, Max: vg.Point{X: -math.MaxFloat64, Y: -math.MaxFloat64}}
	grow := func(q vg.Point, rad vg.Length) {
		r.Min.X, r.Min.Y = min(r.Min.X, q.X-rad), min(r.Min.Y, q.Y-rad)
		r.Max.X, r.Max.Y = max(r.Max.X, q.X+rad), max(r.Max.Y, q.Y+rad)
	}
	for _, c := range p {
		switch c.Type {
		case vg.ArcComp:
			grow(c.Pos, c.Radius)
		case vg.MoveComp, vg.LineComp:
			grow(c.Pos, 0)
		}
	}
	return r
}

func centre(r vg.Rectangle) vg.Point {
	return vg.Point{X: (r.Min.X + r.Max.X) / 2, Y: (r.Min.Y + r.Max.Y) / 2}
}

func inside(p vg.Point, r vg.Rectangle) bool {
	return p.X >= r.Min.X && p.X <= r.Max.X && p.Y >= r.Min.Y && p.Y <= r.Max.Y
}

func overlaps(a, b vg.Rectangle) bool {
	return a.Min.X < b.Max.X && b.Min.X < a.Max.X && a.Min.Y < b.Max.Y && b.Min.Y < a.Max.Y
}

func same(a color.Color, b color.RGBA) bool {
	r, g, bl, al := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r == r2 && g == g2 && bl == b2 && al == a2
}

// TestRawChartStructure draws the chart on a recording canvas and checks
// what it drew: one glyph in the plot area per operation, in its outcome's
// colour; one lane per applied fault, each in its own colour with its
// name, apart from the others where they overlap in time; and the legend
// in its own rectangle, off every data point.
func TestRawChartStructure(t *testing.T) {
	t.Parallel()
	r, h := rawFixture()
	series := rawOps(h, r.StartedAt.UnixNano())
	d, lay := record(t, newRawChart(r, series, ""))

	t.Run("a glyph per operation", func(t *testing.T) {
		for _, oc := range outcomes {
			var want, inData, inLegend, elsewhere int
			for _, s := range series {
				for _, p := range s.points {
					if p.outcome == oc.o {
						want++
					}
				}
			}
			for _, f := range d.fills {
				switch c := centre(f.box); {
				case !same(f.colour, oc.colour.(color.RGBA)):
				case inside(c, lay.data):
					inData++
				case inside(c, lay.legend):
					inLegend++
				default:
					elsewhere++
				}
			}
			if inData != want || inLegend != 1 || elsewhere != 0 {
				t.Errorf("%s: %d glyphs in the plot area (want %d, one per op), %d in the legend (want 1), %d elsewhere",
					oc.name, inData, want, inLegend, elsewhere)
			}
		}
	})

	t.Run("a lane per fault", func(t *testing.T) {
		if len(lay.lanes) != 3 {
			t.Fatalf("%d lanes, want one per applied fault, 3", len(lay.lanes))
		}
		width := lay.data.Max.X - lay.data.Min.X
		for i, l := range faultLanes(r) {
			lane := lay.lanes[i]
			for j := range i {
				if overlaps(lane, lay.lanes[j]) {
					t.Errorf("lanes %d and %d overlap", j, i)
				}
			}
			if overlaps(lane, lay.data) {
				t.Errorf("lane %d covers the plot area", i)
			}
			var bars []vg.Rectangle
			for _, f := range d.fills {
				if same(f.colour, l.colour) && inside(centre(f.box), lane) {
					bars = append(bars, f.box)
				}
			}
			if len(bars) != 1 {
				t.Fatalf("%s: %d bars of its colour in its lane, want 1", l.name, len(bars))
			}
			// The bar spans the fault's window on the time axis (0..10 s).
			for _, e := range []struct {
				got  vg.Length
				want float64
			}{{bars[0].Min.X, l.start}, {bars[0].Max.X, l.end}} {
				if x := float64((e.got - lay.data.Min.X) / width * 10); math.Abs(x-e.want) > 0.01 {
					t.Errorf("%s: bar edge at %.3fs, want %gs", l.name, x, e.want)
				}
			}
			if p, ok := d.texts[l.name]; !ok || !inside(p, lane) {
				t.Errorf("%s: name at %v (drawn %v), want inside its lane %v", l.name, p, ok, lane)
			}
		}
		for i, c := range FaultColours[:3] {
			for j := range i {
				if c == FaultColours[j] {
					t.Errorf("faults %d and %d share a colour", j, i)
				}
			}
		}
	})

	t.Run("the legend is off the data", func(t *testing.T) {
		if lay.legend.Max.X <= lay.legend.Min.X || overlaps(lay.legend, lay.data) {
			t.Fatalf("legend %v overlaps the plot area %v", lay.legend, lay.data)
		}
		for _, f := range d.fills {
			point := false
			for _, oc := range outcomes {
				point = point || same(f.colour, oc.colour.(color.RGBA))
			}
			if point && inside(centre(f.box), lay.data) && overlaps(f.box, lay.legend) {
				t.Errorf("a point at %v lies under the legend %v", f.box, lay.legend)
			}
		}
		for _, entry := range []string{"ok", "timeout", "error", "fault latency-1", "fault pause-3"} {
			if p, ok := d.texts[entry]; !ok || !inside(p, lay.legend) {
				t.Errorf("legend entry %q at %v (drawn %v), want inside %v", entry, p, ok, lay.legend)
			}
		}
	})
}

// TestRawChartWithoutHistory: a result read without its folder still gets
// the frame and the lanes, and says why there are no points.
func TestRawChartWithoutHistory(t *testing.T) {
	t.Parallel()
	r, _ := rawFixture()
	d, lay := record(t, newRawChart(r, nil, "no history.nnh"))
	if _, ok := d.texts["no history.nnh"]; !ok {
		t.Error("the chart does not say why it is empty")
	}
	if len(lay.lanes) != 3 {
		t.Errorf("%d lanes, want 3", len(lay.lanes))
	}
	for _, f := range d.fills {
		if inside(centre(f.box), lay.data) && same(f.colour, OKColour) {
			t.Errorf("a point drawn without a history: %v", f.box)
		}
	}
}

// TestRawPNG: Write draws the chart from the history beside result.json;
// the PNG holds each outcome's and each lane's colour.
func TestRawPNG(t *testing.T) {
	t.Parallel()
	r, h := rawFixture()
	dir := t.TempDir()
	if err := history.WriteFile(dir, h); err != nil {
		t.Fatal(err)
	}
	if err := saveRaw(filepath.Join(dir, RawFile), dir, r); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, RawFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != Width || b.Dy() != Height {
		t.Fatalf("size %dx%d, want %dx%d", b.Dx(), b.Dy(), Width, Height)
	}
	seen := map[color.RGBA]int{}
	for y := range Height {
		for x := range Width {
			r, g, b, a := img.At(x, y).RGBA()
			seen[color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: uint8(a >> 8)}]++
		}
	}
	for name, c := range map[string]color.RGBA{"ok": OKColour, "error": ErrorColour, "timeout": TimeoutColour,
		"lane 1": FaultColours[0], "lane 2": FaultColours[1], "lane 3": FaultColours[2]} {
		if seen[c] == 0 {
			t.Errorf("no pixel of %s's colour %v", name, c)
		}
	}
	// A history that is not one is an error naming it, not an empty chart.
	if err := os.WriteFile(filepath.Join(dir, history.FileName), []byte("not a history"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := saveRaw(filepath.Join(dir, RawFile), dir, r); err == nil || !strings.Contains(err.Error(), history.FileName) {
		t.Errorf("saveRaw on a corrupt history = %v, want an error naming it", err)
	}
}
