package report_test

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

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
	for _, tc := range []struct {
		file string
		band bool
	}{
		{report.PercentilesFile, false},
		{report.LatencyFile, true},
		{report.ThroughputFile, true},
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
