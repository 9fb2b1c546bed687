package result

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// HistogramPair is one workload's latency histograms, as a recorder keeps
// them.
type HistogramPair struct {
	Corrected   *hdrhistogram.Histogram // from the intended send time; nil writes no file
	Uncorrected *hdrhistogram.Histogram // from the actual send time; nil writes no file
	// Unit is what one count of the histograms stands for; 0 means
	// time.Microsecond, the recorder's default.
	Unit time.Duration
}

// hgrmTicks is the number of rows per halving of the remaining percentiles,
// as HdrHistogram's own tools print by default.
const hgrmTicks = 5

// Write creates dir and writes into it, for each workload w in hists,
// w.hgrm (corrected) and w.uncorrected.hgrm, then result.json, indented in
// field order. result.json comes last and every file is written to a
// temporary name and renamed, so a result.json that exists is complete and
// so are the histograms beside it.
//
// The .hgrm files are HdrHistogram percentile distributions (the format
// https://hdrhistogram.github.io/HdrHistogram/plotFiles.html plots) with
// values in milliseconds, the unit that plotter labels its axis with; a
// leading '#' comment, which the plotter skips, says so.
//
// r is checked with Validate first; Write fills in Schema and
// SchemaVersion when unset, and writes nil lists as [].
func Write(dir string, r *Result, hists map[string]HistogramPair) error {
	if r == nil {
		return fmt.Errorf("result: Write of a nil result into %s", dir)
	}
	out := normalized(r)
	if probs := out.problems(); len(probs) > 0 {
		return &invalidError{file: filepath.Join(dir, FileName) + " (not written)", problems: probs}
	}
	names := slices.Sorted(maps.Keys(hists))
	for _, name := range names {
		if !slices.ContainsFunc(out.Workloads, func(w Workload) bool { return w.Name == name }) {
			return fmt.Errorf("result: histograms for %q, which is not a workload of the result", name)
		}
	}
	data, err := encode(&out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("result: %w", err)
	}
	for _, name := range names {
		p := hists[name]
		if err := writeHgrm(filepath.Join(dir, name+".hgrm"), name, "corrected", p.Corrected, p.Unit); err != nil {
			return err
		}
		if err := writeHgrm(filepath.Join(dir, name+".uncorrected.hgrm"), name, "uncorrected", p.Uncorrected, p.Unit); err != nil {
			return err
		}
	}
	return writeAtomic(filepath.Join(dir, FileName), data)
}

// Encode returns r as Write writes it to result.json, byte for byte.
func Encode(r *Result) ([]byte, error) {
	out := normalized(r)
	return encode(&out)
}

// normalized is a shallow copy of r with Schema and SchemaVersion filled in
// when unset and every nil list made empty, so that the file always has
// them (.invalid[] and .workloads[].intervals[] work in jq on any run).
func normalized(r *Result) Result {
	out := *r // r itself is left alone
	if out.Schema == "" {
		out.Schema = Schema
	}
	if out.SchemaVersion == 0 {
		out.SchemaVersion = SchemaVersion
	}
	out.Invalid = orEmpty(out.Invalid)
	out.Workloads = orEmpty(out.Workloads)
	out.Faults = orEmpty(out.Faults)
	out.Checks = orEmpty(out.Checks)
	out.Recovery = orEmpty(out.Recovery)
	out.Gates = orEmpty(out.Gates)
	if slices.ContainsFunc(out.Workloads, func(w Workload) bool { return w.Intervals == nil }) {
		out.Workloads = slices.Clone(out.Workloads)
		for i := range out.Workloads {
			out.Workloads[i].Intervals = orEmpty(out.Workloads[i].Intervals)
		}
	}
	for i, f := range out.Faults {
		if f.Params == nil {
			out.Faults = slices.Clone(out.Faults)
			for j := i; j < len(out.Faults); j++ {
				if out.Faults[j].Params == nil {
					out.Faults[j].Params = map[string]any{}
				}
			}
			break
		}
	}
	if slices.ContainsFunc(out.Checks, func(c Check) bool { return c.Counts == nil }) {
		out.Checks = slices.Clone(out.Checks)
		for i := range out.Checks {
			if out.Checks[i].Counts == nil {
				out.Checks[i].Counts = map[string]int64{}
			}
		}
	}
	return out
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func encode(r *Result) ([]byte, error) {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("result: encoding %s: %w", r.Scenario, err)
	}
	return append(data, '\n'), nil
}

func writeHgrm(path, workload, kind string, h *hdrhistogram.Histogram, unit time.Duration) error {
	if h == nil {
		return nil
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "#[nngbench %s: %s latency, values in milliseconds]\n", workload, kind)
	scale := float64(time.Millisecond) / float64(countUnit(unit)) // counts of h per millisecond
	if _, err := h.PercentilesPrint(&b, hgrmTicks, scale); err != nil {
		return fmt.Errorf("result: %s: %w", path, err)
	}
	return writeAtomic(path, b.Bytes())
}

// writeAtomic writes data to path through a temporary file in the same
// folder and a rename, so that readers never see half a file.
func writeAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("result: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = os.Remove(f.Name()) // best effort: the write error is what matters
			err = fmt.Errorf("result: writing %s: %w", path, err)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
