package record

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// LogExt ends the name of a workload's interval log: <workload>.hlog.
const LogExt = ".hlog"

// Log is one workload's interval log: the latency (from the intended send)
// of the messages received in each interval of its time series, as
// HdrHistogram's HistogramLogAnalyzer reads it.
type Log struct {
	Name string    // the workload's; names the file
	End  time.Time // the end of the window, as given to Snapshot
	// Total is the workload's recorder: its intervals go untagged, one
	// per interval of result.json's series.
	Total *Recorder
	// Tagged are per-receiver recorders by name (impl mode: each worker);
	// each interval of each goes again under Tag=<name>.
	Tagged map[string]*Recorder
}

// WriteTo writes l in HdrHistogram's interval log format 1.3 (V2
// compressed histograms, base64): a comment naming the workload, the
// start time (the measured window's), a legend, then one line per interval,
// timed from the window's start, untagged first, then each tag in name
// order. Values are nanoseconds, at the series' precision (two significant
// digits): each bucket's count is re-recorded at the bucket's lowest value,
// which the nanosecond histogram reads back as at most one bucket width
// (under 1%) above it, so never above the bucket's own highest value and
// within the series' precision of the recorder's percentiles. Empty intervals are written too: a stall shows as a gap.
func (l Log) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	lw := hdrhistogram.NewHistogramLogWriter(cw)
	start := l.Total.opts.Start
	startMs := start.UnixMilli()
	lw.SetBaseTime(startMs)
	err := firstErr(
		lw.OutputLogFormatVersion(),
		lw.OutputComment(fmt.Sprintf("[nngbench %s: latency from the intended send, values in nanoseconds, intervals of %v]",
			l.Name, l.Total.opts.Interval)),
		// OutputStartTime truncates to the second, which readers add to
		// every relative stamp: write it to the millisecond, as Java does.
		lw.OutputComment(fmt.Sprintf("[StartTime: %.3f (seconds since epoch), %s]",
			float64(startMs)/1000, time.UnixMilli(startMs).UTC().Format("2006-01-02T15:04:05.000Z07:00"))),
		lw.OutputLegend(),
	)
	if err != nil {
		return cw.n, err
	}
	tags := slices.Sorted(func(yield func(string) bool) {
		for t := range l.Tagged {
			if !yield(t) {
				return
			}
		}
	})
	if err := writeSeries(lw, l.Total, "", l.End); err != nil {
		return cw.n, err
	}
	for _, tag := range tags {
		if strings.ContainsAny(tag, ", \r\n") {
			return cw.n, fmt.Errorf("record: %s%s: tag %q has a comma, space or line break", l.Name, LogExt, tag)
		}
		if err := writeSeries(lw, l.Tagged[tag], tag, l.End); err != nil {
			return cw.n, err
		}
	}
	return cw.n, nil
}

// writeSeries writes one line per interval of r's series, those Snapshot
// lists, with the given tag.
func writeSeries(lw *hdrhistogram.HistogramLogWriter, r *Recorder, tag string, end time.Time) error {
	s := &r.series
	for _, i := range s.indices(end) {
		at := s.start.Add(time.Duration(i) * s.width)
		h := nanos(s.buckets[i], r.opts)
		h.SetTag(tag)
		h.SetStartTimeMs(at.UnixMilli())
		h.SetEndTimeMs(at.Add(s.width).UnixMilli())
		if err := lw.OutputIntervalHistogram(h); err != nil {
			return fmt.Errorf("record: interval log at %v: %w", at.Sub(s.start), err)
		}
	}
	return nil
}

// nanos is b's histogram in nanoseconds (empty for an empty bucket).
func nanos(b *bucket, o Options) *hdrhistogram.Histogram {
	unit := int64(o.Lowest)
	h := hdrhistogram.New(1, 2*(int64(o.Highest)+unit), min(o.SigFigs, seriesSigFigs))
	if b == nil || b.hist == nil {
		return h
	}
	for _, bar := range b.hist.Distribution() {
		if bar.Count > 0 {
			_ = h.RecordValues(bar.From*unit, bar.Count) // cannot fail: within 2x Highest
		}
	}
	return h
}

// WriteLogFile writes l to dir/<name>.hlog through a temporary file and a
// rename, so that a reader never sees half a log.
func WriteLogFile(dir string, l Log) (err error) {
	path := filepath.Join(dir, l.Name+LogExt)
	f, err := os.CreateTemp(dir, "."+l.Name+LogExt+".tmp*")
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = os.Remove(f.Name()) // best effort: the write error is what matters
			err = fmt.Errorf("record: writing %s: %w", path, err)
		}
	}()
	bw := bufio.NewWriter(f)
	if _, err = l.WriteTo(bw); err != nil {
		return err
	}
	if err = firstErr(bw.Flush(), f.Chmod(0o644), f.Sync(), f.Close()); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
