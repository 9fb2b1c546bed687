package record

import (
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/nngbench/nngbench/harness/result"
)

// seriesSigFigs is the precision of the per-interval histograms. Two digits
// (1%) is plenty for a plot and costs 20 KB a bucket where three would cost
// 140 KB: an hour at 1-s buckets stays under 100 MB per recorder.
const seriesSigFigs = 2

// series is the time series: one bucket per Interval since Start, created
// when something falls in it.
type series struct {
	start   time.Time
	width   time.Duration
	newHist func() *hdrhistogram.Histogram
	// A map, not a slice: one absurd timestamp (a clock off by a year)
	// must cost one bucket, not a year of them.
	buckets map[int64]*bucket
}

type bucket struct {
	sent, received int64
	hist           *hdrhistogram.Histogram // corrected latency of the received; nil until the first
	newHist        func() *hdrhistogram.Histogram
}

func (b *bucket) histogram() *hdrhistogram.Histogram {
	if b.hist == nil {
		b.hist = b.newHist()
	}
	return b.hist
}

// at returns the bucket t falls in; anything before Start goes in the first.
func (s *series) at(t time.Time) *bucket {
	return s.index(max(int64(t.Sub(s.start)/s.width), 0))
}

func (s *series) index(i int64) *bucket {
	if s.buckets == nil {
		s.buckets = map[int64]*bucket{}
	}
	b, ok := s.buckets[i]
	if !ok {
		b = &bucket{newHist: s.newHist}
		s.buckets[i] = b
	}
	return b
}

// merge adds o's buckets to s's by index.
func (s *series) merge(o *series) {
	for i, ob := range o.buckets {
		b := s.index(i)
		b.sent += ob.sent
		b.received += ob.received
		if ob.hist != nil {
			b.histogram().Merge(ob.hist) // same scale (Merge checks), so nothing drops
		}
	}
}

// intervals lists every bucket from Start to end, empty ones too (a stall
// is a gap that must show), then any later ones that hold something
// (replies drained after the window).
func (s *series) intervals(end time.Time, unit time.Duration) []result.Interval {
	idx := s.indices(end)
	out := make([]result.Interval, 0, len(idx))
	for _, i := range idx {
		out = append(out, s.interval(i, unit))
	}
	return out
}

// indices are the bucket indices intervals lists, in order.
func (s *series) indices(end time.Time) []int64 {
	n := int64(0)
	if w := end.Sub(s.start); w > 0 {
		n = int64((w + s.width - 1) / s.width)
	}
	var later []int64
	for i := range s.buckets {
		if i >= n {
			later = append(later, i)
		}
	}
	slices.Sort(later)
	out := make([]int64, 0, int(n)+len(later))
	for i := range n {
		out = append(out, i)
	}
	return append(out, later...)
}

func (s *series) interval(i int64, unit time.Duration) result.Interval {
	iv := result.Interval{TS: (time.Duration(i) * s.width).Seconds()}
	b, ok := s.buckets[i]
	if !ok {
		return iv
	}
	p := result.PercentilesOf(b.hist, unit)
	iv.Sent, iv.Received = b.sent, b.received
	iv.P50US, iv.P99US, iv.MaxUS = p.P50, p.P99, p.Max
	return iv
}

// between merges the latency histograms of the buckets that start in
// [from, to), or from on when to is zero: a phase's latency, at the series'
// precision.
func (s *series) between(from, to time.Time, h *hdrhistogram.Histogram) {
	for i, b := range s.buckets {
		at := s.start.Add(time.Duration(i) * s.width)
		if !at.Before(from) && (to.IsZero() || at.Before(to)) && b.hist != nil {
			h.Merge(b.hist)
		}
	}
}
