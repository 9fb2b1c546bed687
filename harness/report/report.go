// Package report turns saved results into Markdown and PNG charts,
// deterministically, so a report can always be regenerated from the files:
// one run (Write), a candidate against a baseline (WriteComparison), a
// sweep of worker counts (WriteSweep) and the suite's summary for
// RESULTS.md (Suite).
package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"gonum.org/v1/plot/vg/draw"

	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/result"
)

// Names of the files Write creates in its directory.
const (
	MarkdownFile    = "report.md"
	PercentilesFile = "latency-percentiles.png"
	LatencyFile     = "latency-over-time.png"
	ThroughputFile  = "throughput-over-time.png"
)

// ErrNilResult is returned by Write when given no result.
var ErrNilResult = errors.New("report: nil result")

// Write renders r into dir (created if missing): report.md and the PNG
// charts it links to by relative path, so the folder can be moved as is.
// The charts read what a run writes beside result.json in dir, when it is
// there: the .hgrm files (every step of each percentile distribution) and
// history.nnh (every operation, RawFile); without them they draw what r
// holds and say so.
// When r runs a pattern both through impl and over bare mangos (modes
// "impl" and "raw"), it also draws compare.png and report.md gains an
// "impl vs raw" section with the overhead ratios.
// The same r and files always give the same Markdown, byte for byte.
func Write(dir string, r *result.Result) error { return write(dir, dir, r) }

// write renders r, read from the run folder src, into dir.
func write(src, dir string, r *result.Result) error {
	if r == nil {
		return ErrNilResult
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	charts := []struct {
		name string
		draw func(*result.Result) (*chart, error)
	}{
		{PercentilesFile, func(r *result.Result) (*chart, error) { return percentileChart(src, r) }},
		{LatencyFile, latencyChart},
		{ThroughputFile, throughputChart},
	}
	for _, c := range charts {
		ch, err := c.draw(r)
		if err != nil {
			return fmt.Errorf("report: %s: %w", c.name, err)
		}
		if err := ch.save(filepath.Join(dir, c.name)); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	if err := saveRaw(filepath.Join(dir, RawFile), src, r); err != nil {
		return fmt.Errorf("report: %s: %w", RawFile, err)
	}
	if c, ok := implRaw(r); ok {
		if err := saveRow(filepath.Join(dir, CompareFile), c.plots()...); err != nil {
			return fmt.Errorf("report: %s: %w", CompareFile, err)
		}
	}
	md := filepath.Join(dir, MarkdownFile)
	if err := os.WriteFile(md, Markdown(r), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// saveRaw draws the every-operation chart from src's history.nnh; a run
// without one (a result read on its own) gets the chart's frame, its fault
// lanes and a note. A history that cannot be read is an error.
func saveRaw(path, src string, r *result.Result) error {
	var series []rawSeries
	note := "no " + history.FileName + " beside result.json: no operations to draw"
	switch h, err := history.ReadFile(src); {
	case err == nil:
		series, note = rawOps(h, r.StartedAt.UnixNano()), ""
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	rc := newRawChart(r, series, note)
	return savePNG(path, func(dc draw.Canvas) error {
		_, err := rc.draw(dc)
		return err
	})
}

// FromFile reads the result.json at resultPath and writes its report into
// outDir, from the files beside resultPath. Errors reading the file name
// it (result.Read checks it).
func FromFile(resultPath, outDir string) error {
	r, err := result.Read(resultPath)
	if err != nil {
		return err
	}
	return write(filepath.Dir(resultPath), outDir, r)
}
