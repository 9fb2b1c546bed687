package record_test

import (
	"math"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/result"
)

// The known answer: 1,000 messages a second for 10 s, message k due at
// k ms (k = 0..9999), each answered 1 ms after it is sent, except that
// nothing is answered between t = 5 s and t = 6 s.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

const ms = time.Millisecond

// openLoopStall: the sender keeps its schedule through the stall; the
// messages due during it, k = 5000..5999, are all answered at 6 s, in
// order, so message k waits 6000-k ms: 1000, 999, ..., 1 ms.
//
// Corrected latencies: 9,000 at 1 ms, plus 1000..1 ms once each, that is
// 9,001 at 1 ms and 2..1000 ms once each. The n-th smallest (n > 9001) is
// n-9000 ms. HdrHistogram's quantile q is the value at rank
// round(q*10000): p50 (5000) = p90 (9000) = 1 ms; p95 (9500) = 500 ms;
// p99 (9900) = 900 ms; p99.9 (9990) = 990 ms; p99.99 (9999) = 999 ms;
// max 1000 ms; mean (9001 + (2+...+1000))/10000 = (9001+500499)/10000 =
// 50.95 ms. The sender was on time, so uncorrected is the same.
func openLoopStall(r *record.Recorder) {
	for k := range 10_000 {
		due := at(time.Duration(k) * ms)
		reply := due.Add(ms)
		if k >= 5000 && k < 6000 {
			reply = at(6 * time.Second)
		}
		r.Sent(due, due, 64)
		r.Received(due, due, reply, 64)
	}
}

// blockedSender: the same stall, but the sender blocks on it, as one
// stuck behind a window of one outstanding message would (coordinated
// omission). Message 5000 goes at 5 s and is answered at 6 s; 5001..5999
// go in a burst at 6 s, each answered 1 ms later at 6.001 s; then the
// schedule resumes. One feed gives both histograms, as in a real run.
//
// Corrected (from the due time): 9,000 at 1 ms; 5000 waits 1000 ms; k =
// 5001..5999 wait 6001-k = 1000..2 ms. So 9,000 at 1 ms, 2..999 once, 1000
// twice; the n-th smallest (9000 < n < 10000) is n-8999 ms: p95 = 501,
// p99 = 901, p99.9 = 991, p99.99 = 1000, max 1000 ms; mean (9000 + 500499
// + 1000)/10000 = 51.0499 ms.
//
// Uncorrected (from the actual send): 5000 waits 1000 ms, every other
// message 1 ms: p50 up to p99.99 are 1 ms, max 1000 ms, mean (9999 +
// 1000)/10000 = 1.0999 ms. This is what a tool with coordinated omission
// prints: p99 = 1 ms, where 10% of the schedule waited 2 to 1000 ms.
func blockedSender(r *record.Recorder) {
	for k := range 10_000 {
		due := at(time.Duration(k) * ms)
		sent, reply := due, due.Add(ms)
		switch {
		case k == 5000:
			reply = at(6 * time.Second)
		case k > 5000 && k < 6000:
			sent, reply = at(6*time.Second), at(6*time.Second+ms)
		}
		r.Sent(due, sent, 64)
		r.Received(due, sent, reply, 64)
	}
}

// closedLoopStall: a closed-loop client that sends every 1 ms while idle
// has no schedule: it sends 0..5000 ms, waits out the stall, and resumes at
// 6 s, 9,001 requests in all. Uncorrected it sees 9,000 at 1 ms and one at
// 1000 ms (p99.99, rank round(0.9999*9001) = 9000, is 1 ms; mean
// 10000/9001 = 1.11099 ms). RecordCorrectedValue fills in 999, 998, ...,
// 1 ms for the requests the stall kept back, which gives exactly
// openLoopStall's corrected distribution.
func closedLoopStall(r *record.Recorder) {
	send := func(sent, reply time.Time) {
		r.Sent(sent, sent, 64)
		r.ReceivedClosedLoop(sent, reply, ms, 64)
	}
	for k := range 5000 {
		sent := at(time.Duration(k) * ms)
		send(sent, sent.Add(ms))
	}
	send(at(5*time.Second), at(6*time.Second))
	for k := 6000; k < 10_000; k++ {
		sent := at(time.Duration(k) * ms)
		send(sent, sent.Add(ms))
	}
}

// dist is a latency distribution in milliseconds.
type dist struct {
	p50, p90, p95, p99, p999, p9999, max, mean float64
	count                                      int64
}

var stallCorrected = dist{1, 1, 500, 900, 990, 999, 1000, 50.95, 10_000}

func TestKnownAnswerStall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		feed                   func(*record.Recorder)
		corrected, uncorrected dist
	}{
		{"open loop, sender on time", openLoopStall, stallCorrected, stallCorrected},
		{"open loop, sender blocked by the stall", blockedSender,
			dist{1, 1, 501, 901, 991, 1000, 1000, 51.0499, 10_000},
			dist{1, 1, 1, 1, 1, 1, 1000, 1.0999, 10_000}},
		{"closed loop, corrected by HdrHistogram", closedLoopStall,
			stallCorrected,
			dist{1, 1, 1, 1, 1, 1, 1000, 10_000.0 / 9001, 9001}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := record.New(record.Options{Start: t0})
			tt.feed(r)
			s := r.Snapshot(at(10 * time.Second))
			t.Run("corrected", func(t *testing.T) {
				checkDist(t, s.Latency, r.Histogram().ValueAtQuantile(95), tt.corrected)
			})
			t.Run("uncorrected", func(t *testing.T) {
				checkDist(t, s.LatencyUncorrected, r.Uncorrected().ValueAtQuantile(95), tt.uncorrected)
			})
			if !s.Valid {
				t.Errorf("run invalid: %s", s.Invalid)
			}
		})
	}
}

// checkDist compares p (µs) and p95 (histogram counts of 1 µs) with want
// (ms), each within 1%: HdrHistogram at 3 significant digits is within
// 0.1%, so 1% leaves room for bucketing and nothing else. A floor of one
// count (1 µs) keeps a tolerance for values near 0.
func checkDist(t *testing.T, p result.Percentiles, p95 int64, want dist) {
	t.Helper()
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"p50", p.P50, want.p50}, {"p90", p.P90, want.p90}, {"p95", float64(p95), want.p95},
		{"p99", p.P99, want.p99}, {"p99.9", p.P999, want.p999}, {"p99.99", p.P9999, want.p9999},
		{"max", p.Max, want.max}, {"mean", p.Mean, want.mean},
	} {
		wantUS := c.want * 1000
		if tol := max(0.01*wantUS, 1); math.Abs(c.got-wantUS) > tol {
			t.Errorf("%s = %.1f µs, want %.1f µs ± %.1f", c.name, c.got, wantUS, tol)
		}
	}
	if p.Count != want.count {
		t.Errorf("count = %d, want %d", p.Count, want.count)
	}
}
