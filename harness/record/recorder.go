// Package record measures one workload's latency and throughput, timing each message from its intended send time so that a stalled sender cannot hide the stall.
package record

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Recorder holds one workload's measurements: three HDR histograms
// (latency from the intended send, latency from the actual send, and the
// generator's lag), counters and a time series.
//
// A Recorder is not safe for concurrent use, and neither are the
// histograms it wraps: give each goroutine (or each process, fed by one
// goroutine) its own and combine them with Merge at the end.
type Recorder struct {
	opts        Options
	latency     *hdrhistogram.Histogram // at - intended
	uncorrected *hdrhistogram.Histogram // at - actual
	lag         *hdrhistogram.Histogram // actual - intended
	series      series
	n           counts
}

// counts are the Recorder's counters; Merge adds them up.
type counts struct {
	sent, received, errors, timeouts, lost int64
	sentBytes, recvBytes                   int64
	warmupSent, warmupReceived             int64
	clamped                                int64 // messages with a latency outside [0, Highest]
}

func (c *counts) add(o counts) {
	c.sent += o.sent
	c.received += o.received
	c.errors += o.errors
	c.timeouts += o.timeouts
	c.lost += o.lost
	c.sentBytes += o.sentBytes
	c.recvBytes += o.recvBytes
	c.warmupSent += o.warmupSent
	c.warmupReceived += o.warmupReceived
	c.clamped += o.clamped
}

// New returns an empty Recorder.
func New(o Options) *Recorder {
	o = o.withDefaults()
	r := &Recorder{opts: o}
	r.latency = r.newHistogram(o.SigFigs)
	r.uncorrected = r.newHistogram(o.SigFigs)
	r.lag = r.newHistogram(o.SigFigs)
	r.series = series{start: o.Start, width: o.Interval, newHist: func() *hdrhistogram.Histogram {
		return r.newHistogram(min(o.SigFigs, seriesSigFigs))
	}}
	return r
}

func (r *Recorder) newHistogram(sigfigs int) *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(r.opts.Highest/r.opts.Lowest), sigfigs)
}

// Sent counts a message sent at actual that was due at intended, and
// records how late the generator was. A message sent before Start is
// counted as warmup only: a generator that fell behind during warmup
// still sends in the window what was due before it, and those sends, with
// their latency from the intended time, are what the window measured.
func (r *Recorder) Sent(intended, actual time.Time, bytes int) {
	if actual.Before(r.opts.Start) {
		r.n.warmupSent++
		return
	}
	r.n.sent++
	r.n.sentBytes += int64(bytes)
	// A sender a little early (timer granularity) is on time, and a lag
	// beyond Highest is a generator Behind reports anyway: neither is a
	// latency, so neither counts as clamped.
	lag, _ := r.units(actual.Sub(intended))
	_ = r.lag.RecordValue(lag) // cannot fail: units keeps lag in range
	r.series.at(actual).sent++
}

// Received records a message due at intended, sent at actual and received
// at at: its latency from intended (corrected) and from actual
// (uncorrected), both in the interval at falls in. Latencies outside
// [0, Highest] are clamped into it and counted; a negative one means the
// clocks of sender and receiver disagree. A message sent before Start is
// counted as warmup only, as in Sent, so that sent and received count the
// same messages.
func (r *Recorder) Received(intended, actual, at time.Time, bytes int) {
	if actual.Before(r.opts.Start) {
		r.n.warmupReceived++
		return
	}
	r.n.received++
	r.n.recvBytes += int64(bytes)
	corrected, c1 := r.units(at.Sub(intended))
	uncorrected, c2 := r.units(at.Sub(actual))
	r.countClamped(c1 || c2)
	_ = r.latency.RecordValue(corrected) // cannot fail: units clamps into range
	_ = r.uncorrected.RecordValue(uncorrected)
	b := r.series.at(at)
	b.received++
	_ = b.histogram().RecordValue(corrected)
}

// ReceivedClosedLoop records a reply to a request sent at actual, received
// at at, by a closed-loop client that meant to send one request every
// expectedInterval. There is no schedule to time from, so the corrected
// histogram gets HdrHistogram's estimate instead: the requests a stall kept
// from being sent are filled in (RecordCorrectedValue), which makes its
// count exceed Received. The closed-loop client reports its sends with
// Sent(actual, actual, bytes).
func (r *Recorder) ReceivedClosedLoop(actual, at time.Time, expectedInterval time.Duration, bytes int) {
	if actual.Before(r.opts.Start) {
		r.n.warmupReceived++
		return
	}
	r.n.received++
	r.n.recvBytes += int64(bytes)
	v, clamped := r.units(at.Sub(actual))
	r.countClamped(clamped)
	every, _ := r.units(expectedInterval)
	_ = r.latency.RecordCorrectedValue(v, every) // cannot fail: every value is at most v
	_ = r.uncorrected.RecordValue(v)
	b := r.series.at(at)
	b.received++
	_ = b.histogram().RecordCorrectedValue(v, every)
}

// Error counts a failed send or receive. Errors, Timeout and Lost do not
// know when the message was sent: call them only for messages of the
// measured window.
func (r *Recorder) Error() { r.n.errors++ }

// Timeout counts a request that got no reply in time.
func (r *Recorder) Timeout() { r.n.timeouts++ }

// Lost counts n messages that were sent and never arrived.
func (r *Recorder) Lost(n int64) { r.n.lost += n }

// Histogram is the latency from intended send to receipt, in counts of
// Unit. It belongs to the Recorder: read it, do not record into it.
func (r *Recorder) Histogram() *hdrhistogram.Histogram { return r.latency }

// Uncorrected is the latency from actual send to receipt, in counts of
// Unit: what a tool with coordinated omission would report.
func (r *Recorder) Uncorrected() *hdrhistogram.Histogram { return r.uncorrected }

// Lag is how late the generator sent, in counts of Unit.
func (r *Recorder) Lag() *hdrhistogram.Histogram { return r.lag }

// Unit is what one count of the histograms stands for (Options.Lowest).
func (r *Recorder) Unit() time.Duration { return r.opts.Lowest }

// Options returns the options in effect, defaults filled in.
func (r *Recorder) Options() Options { return r.opts }

// countClamped counts a message whose latency had to be clamped.
func (r *Recorder) countClamped(clamped bool) {
	if clamped {
		r.n.clamped++
	}
}

// units converts d into histogram counts, rounded to the nearest and
// clamped into [0, Highest].
func (r *Recorder) units(d time.Duration) (v int64, clamped bool) {
	switch {
	case d < 0:
		return 0, true
	case d > r.opts.Highest:
		d, clamped = r.opts.Highest, true
	}
	return int64(d.Round(r.opts.Lowest) / r.opts.Lowest), clamped
}
