package report_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/plotutil"

	"github.com/nngbench/nngbench/harness/report"
)

func decode(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func rgba(c color.Color) color.RGBA {
	r, g, b, a := c.RGBA()
	return color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: uint8(a >> 8)}
}

// TestCharts checks each PNG's structure: size, enough ink and colour to
// be a chart, and for the time charts the fault band where it belongs.
func TestCharts(t *testing.T) {
	dir := t.TempDir()
	if err := report.Write(dir, fixture()); err != nil {
		t.Fatal(err)
	}
	// fixture has no impl/raw pair.
	if _, err := os.Stat(filepath.Join(dir, report.CompareFile)); !os.IsNotExist(err) {
		t.Errorf("compare.png written for a run without impl/raw pairs (stat: %v)", err)
	}
	for _, tc := range []struct {
		file string
		band bool
	}{
		{report.PercentilesFile, false},
		{report.LatencyFile, true},
		{report.ThroughputFile, true},
		{report.RawFile, false}, // its faults are lanes, not shading
	} {
		t.Run(tc.file, func(t *testing.T) {
			img := decode(t, filepath.Join(dir, tc.file))
			b := img.Bounds()
			if b.Dx() != report.Width || b.Dy() != report.Height {
				t.Fatalf("size %dx%d, want %dx%d", b.Dx(), b.Dy(), report.Width, report.Height)
			}
			colours, ink, bandMin, bandMax := scan(img)
			if colours < 20 {
				t.Errorf("only %d distinct colours: blank?", colours)
			}
			if ink < b.Dx()*b.Dy()/100 {
				t.Errorf("only %d non-white pixels: blank?", ink)
			}
			checkBand(t, tc.band, bandMin, bandMax)
		})
	}
}

// scan counts distinct colours and non-white pixels, and finds the columns
// holding the fault shading.
func scan(img image.Image) (colours, ink, bandMin, bandMax int) {
	b := img.Bounds()
	seen := map[color.RGBA]bool{}
	white := color.RGBA{255, 255, 255, 255}
	bandMin, bandMax = -1, -1
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := rgba(img.At(x, y))
			seen[c] = true
			if c != white {
				ink++
			}
			if c == report.FaultShade {
				if bandMin < 0 || x < bandMin {
					bandMin = x
				}
				bandMax = max(bandMax, x)
			}
		}
	}
	return len(seen), ink, bandMin, bandMax
}

// checkBand: the fault runs from 4 s to 6 s of a 10 s window, so its band
// must sit in the middle fifth of the plot, give or take the margins.
func checkBand(t *testing.T, want bool, lo, hi int) {
	t.Helper()
	if !want {
		if lo >= 0 {
			t.Errorf("fault shading at x %d..%d on a chart without faults", lo, hi)
		}
		return
	}
	if lo < 0 {
		t.Fatal("no fault shading found")
	}
	w := report.Width
	if lo < w*3/10 || hi > w*7/10 || hi-lo < w/12 || hi-lo > w/4 {
		t.Errorf("fault band at x %d..%d, want about the middle fifth of %d", lo, hi, w)
	}
}

// checkChart checks what every chart has: its size, and enough ink and
// colour not to be blank.
func checkChart(t *testing.T, img image.Image) {
	t.Helper()
	b := img.Bounds()
	if b.Dx() != report.Width || b.Dy() != report.Height {
		t.Fatalf("size %dx%d, want %dx%d", b.Dx(), b.Dy(), report.Width, report.Height)
	}
	colours, ink, _, _ := scan(img)
	if colours < 20 {
		t.Errorf("only %d distinct colours: blank?", colours)
	}
	if ink < b.Dx()*b.Dy()/100 {
		t.Errorf("only %d non-white pixels: blank?", ink)
	}
}

// barCount is the most bars of colour col that one row of the lower half
// of img crosses: legends sit at the top, and every bar rises from the
// bottom of its panel, so some row crosses them all.
func barCount(img image.Image, col color.Color) int {
	want := rgba(col)
	b := img.Bounds()
	most := 0
	for y := b.Min.Y + b.Dy()/2; y < b.Max.Y; y++ {
		n, in := 0, false
		for x := b.Min.X; x < b.Max.X; x++ {
			is := rgba(img.At(x, y)) == want
			if is && !in {
				n++
			}
			in = is
		}
		most = max(most, n)
	}
	return most
}

// near says whether two colours differ by at most 48 in every channel:
// anti-aliased lines keep few pixels of their exact colour.
func near(a, b color.RGBA) bool {
	d := func(x, y uint8) bool { return max(x, y)-min(x, y) <= 48 }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

func TestCompareCharts(t *testing.T) {
	t.Parallel()
	implRaw, cmp := t.TempDir(), t.TempDir()
	if err := report.Write(implRaw, pairedFixture()); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteComparison(cmp, fixture(), candidate()); err != nil {
		t.Fatal(err)
	}
	// Write and WriteComparison write the Markdown their goldens check.
	for path, want := range map[string][]byte{
		filepath.Join(implRaw, report.MarkdownFile):       report.Markdown(pairedFixture()),
		filepath.Join(cmp, report.ComparisonMarkdownFile): report.ComparisonMarkdown(fixture(), candidate()),
	} {
		if got := readFile(t, path); !bytes.Equal(got, want) {
			t.Errorf("%s differs from what its golden test checks:\n%s", path, got)
		}
	}
	for _, tc := range []struct {
		name        string
		path        string
		first, last int // bars of the first series (impl, baseline) and the second
	}{
		// Latency: p50, p99 and p99.9 of pushpull and pubsub, then the
		// receive rates; pubsub's raw side received nothing.
		{"impl-vs-raw", filepath.Join(implRaw, report.CompareFile), 6 + 2, 3 + 1},
		// The one workload the two share by name.
		{"candidate-vs-baseline", filepath.Join(cmp, report.CompareFile), 3 + 1, 3 + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			img := decode(t, tc.path)
			checkChart(t, img)
			if n := barCount(img, plotutil.Color(0)); n != tc.first {
				t.Errorf("%d bars of the first series, want %d", n, tc.first)
			}
			if n := barCount(img, plotutil.Color(1)); n != tc.last {
				t.Errorf("%d bars of the second series, want %d", n, tc.last)
			}
		})
	}
}

// TestScalingChart: one line per workload, in both panels, each in its
// own colour.
func TestScalingChart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := report.WriteSweep(dir, sweepFixture()); err != nil {
		t.Fatal(err)
	}
	md, err := report.SweepMarkdown(sweepFixture())
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, report.SweepMarkdownFile)); !bytes.Equal(got, md) {
		t.Errorf("sweep.md is not SweepMarkdown:\n%s", got)
	}
	img := decode(t, filepath.Join(dir, report.ScalingFile))
	checkChart(t, img)
	b := img.Bounds()
	for i, name := range []string{"tasks", "tasks-raw", "tasks-8k"} {
		want := rgba(plotutil.Color(i))
		var left, right int
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if !near(rgba(img.At(x, y)), want) {
					continue
				}
				if x < b.Dx()/2 {
					left++
				} else {
					right++
				}
			}
		}
		// A line across even one doubling of the 1..4 axis is over a
		// hundred pixels long.
		if left < 150 || right < 150 {
			t.Errorf("%s: %d pixels of its colour in the throughput panel, %d in the p99 one; want a line in each",
				name, left, right)
		}
	}
}
