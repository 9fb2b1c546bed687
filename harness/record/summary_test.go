package record_test

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/result"
)

// TestWarmupExcluded feeds 10 s at 1000/s where warmup messages take 5 ms
// and measured ones 1 ms, so a warmup message that leaked into the window
// would show as a 5 ms maximum.
func TestWarmupExcluded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                    string
		warmup                  time.Duration
		wantSent, wantWarmup    int64
		wantMaxUS, wantSendRate float64
	}{
		{"no warmup", 0, 10_000, 0, 1000, 1000},
		{"2 s warmup", 2 * time.Second, 8000, 2000, 1000, 1000},
		{"all warmup", 10 * time.Second, 0, 10_000, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := at(tt.warmup)
			r := record.New(record.Options{Start: start})
			for k := range 10_000 {
				due := at(time.Duration(k) * ms)
				took := ms
				if due.Before(start) {
					took = 5 * ms
				}
				r.Sent(due, due, 10)
				r.Received(due, due, due.Add(took), 10)
			}
			s := r.Snapshot(at(10 * time.Second))
			if s.Sent != tt.wantSent || s.Received != tt.wantSent {
				t.Errorf("sent, received = %d, %d, want %d", s.Sent, s.Received, tt.wantSent)
			}
			if s.WarmupSent != tt.wantWarmup || s.WarmupReceived != tt.wantWarmup {
				t.Errorf("warmup sent, received = %d, %d, want %d", s.WarmupSent, s.WarmupReceived, tt.wantWarmup)
			}
			if s.Latency.Count != tt.wantSent || s.Latency.Max != tt.wantMaxUS {
				t.Errorf("latency count %d max %g µs, want %d and %g µs", s.Latency.Count, s.Latency.Max, tt.wantSent, tt.wantMaxUS)
			}
			if s.SendRate != tt.wantSendRate || s.RecvRate != tt.wantSendRate || s.BytesPerS != 10*tt.wantSendRate {
				t.Errorf("rates %g/%g/s, %g B/s, want %g/s", s.SendRate, s.RecvRate, s.BytesPerS, tt.wantSendRate)
			}
		})
	}
}

// TestIntervalSeries checks the per-second series of the open-loop stall:
// sends are bucketed by when they went, receipts by when they arrived.
func TestIntervalSeries(t *testing.T) {
	t.Parallel()
	r := record.New(record.Options{Start: t0})
	openLoopStall(r)
	got := r.Snapshot(at(10 * time.Second)).Intervals

	type row struct {
		ts             float64
		sent, received int64
		p50, max       float64 // µs, to 1%
	}
	want := []row{
		{0, 1000, 999, 1000, 1000}, // replies at 1..999 ms; the 1000th lands at 1 s
		{1, 1000, 1000, 1000, 1000},
		{2, 1000, 1000, 1000, 1000},
		{3, 1000, 1000, 1000, 1000},
		{4, 1000, 1000, 1000, 1000},
		{5, 1000, 1, 1000, 1000},         // the stall: only message 4999's reply, at 5.000 s
		{6, 1000, 1999, 1000, 1_000_000}, // 1000 stalled replies at 6 s and 999 on time
		{7, 1000, 1000, 1000, 1000},
		{8, 1000, 1000, 1000, 1000},
		{9, 1000, 1000, 1000, 1000},
		{10, 0, 1, 1000, 1000}, // the last reply, at 10.000 s, after the window
	}
	if len(got) != len(want) {
		t.Fatalf("%d intervals, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.TS != w.ts || g.Sent != w.sent || g.Received != w.received ||
			!near(g.P50US, w.p50, 0.01) || !near(g.MaxUS, w.max, 0.01) {
			t.Errorf("interval %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestIntervalSeriesGapsAndStragglers(t *testing.T) {
	t.Parallel()
	r := record.New(record.Options{Start: t0, Interval: 500 * ms})
	r.Sent(at(0), at(0), 1)
	r.Received(at(0), at(0), at(-time.Second), 1) // clock skew: first bucket, clamped
	r.Received(at(0), at(0), at(24*time.Hour), 1) // a day late: one bucket, not 172,800
	r.Received(at(0), at(0), at(1200*ms), 1)      // bucket 2 (1.0-1.5 s)
	got := r.Snapshot(at(2 * time.Second)).Intervals
	want := []struct {
		ts             float64
		sent, received int64
	}{{0, 1, 1}, {0.5, 0, 0}, {1, 0, 1}, {1.5, 0, 0}, {86400, 0, 1}}
	if len(got) != len(want) {
		t.Fatalf("%d intervals, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].TS != w.ts || got[i].Sent != w.sent || got[i].Received != w.received {
			t.Errorf("interval %d = %+v, want %+v", i, got[i], w)
		}
	}
}

// sendBehind runs a generator that can only send rate messages a second
// against a plan of 1000/s for 10 s: message i is due at i ms, goes at
// i/rate s, and the generator stops when the 10 s are up.
func sendBehind(r *record.Recorder, rate float64) {
	plan := engine.ConstantPacer{Freq: 1000, Duration: 10 * time.Second}
	for i := uint64(0); ; i++ {
		due := plan.Intended(t0, i)
		sent := at(time.Duration(float64(i) / rate * float64(time.Second)))
		if sent.Before(due) {
			sent = due // a pacer never sends early
		}
		if sent.Sub(t0) >= plan.Duration {
			return
		}
		r.Sent(due, sent, 1)
	}
}

func TestLagAndBehind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		rate        float64
		wantSent    int64
		wantBehind  float64
		wantInvalid bool
		wantMaxLag  time.Duration
	}{
		{"on plan", 1000, 10_000, 0, false, 0},
		{"0.5% behind is valid", 995, 9950, 0.005, false, 50 * ms}, // 9949 * (1/995 - 1/1000) s
		{"exactly 1% behind is valid", 990, 9900, 0.01, false, 100 * ms},
		{"2% behind is invalid", 980, 9800, 0.02, true, 200 * ms},
		{"half the rate", 500, 5000, 0.5, true, 5 * time.Second},
	}
	end := at(10 * time.Second)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := record.New(record.Options{Start: t0, Planned: 1000})
			sendBehind(r, tt.rate)
			behind, invalid := r.Behind(1000, end)
			if math.Abs(behind-tt.wantBehind) > 1e-12 || invalid != tt.wantInvalid {
				t.Errorf("Behind = %g, %v, want %g, %v", behind, invalid, tt.wantBehind, tt.wantInvalid)
			}
			s := r.Snapshot(end)
			if s.Sent != tt.wantSent {
				t.Errorf("sent %d, want %d", s.Sent, tt.wantSent)
			}
			if s.Valid == tt.wantInvalid || (tt.wantInvalid && !strings.Contains(s.Invalid, "behind plan")) {
				t.Errorf("Snapshot valid = %v (%q), want %v", s.Valid, s.Invalid, !tt.wantInvalid)
			}
			if wantUS := float64(tt.wantMaxLag / time.Microsecond); !near(s.Lag.Max, wantUS, 0.01) {
				t.Errorf("max lag %g µs, want %g µs", s.Lag.Max, wantUS)
			}
			if s.Lag.Count != tt.wantSent {
				t.Errorf("lag count %d, want one per send, %d", s.Lag.Count, tt.wantSent)
			}
		})
	}
}

func TestBehindWithoutPlan(t *testing.T) {
	t.Parallel()
	r := record.New(record.Options{Start: t0})
	for _, tt := range []struct {
		planned float64
		end     time.Time
	}{{0, at(time.Second)}, {-5, at(time.Second)}, {math.NaN(), at(time.Second)}, {1000, t0}, {1000, at(-time.Second)}} {
		if behind, invalid := r.Behind(tt.planned, tt.end); behind != 0 || invalid {
			t.Errorf("Behind(%g, start%+v) = %g, %v, want 0, false", tt.planned, tt.end.Sub(t0), behind, invalid)
		}
	}
	s := r.Snapshot(t0) // an empty window: no rates rather than NaN
	if s.SendRate != 0 || s.RecvRate != 0 || s.BytesPerS != 0 || len(s.Intervals) != 0 || !s.Valid {
		t.Errorf("empty window: %+v", s)
	}
}

func TestClamping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		took        time.Duration // at - actual; the message was on time
		wantClamped int64
		wantMaxUS   float64
	}{
		{"in range", 2 * time.Second, 0, 2e6},
		{"zero", 0, 0, 0},
		{"highest itself", time.Minute, 0, 60e6},
		{"too long", 2 * time.Minute, 1, 60e6},
		{"negative: clocks disagree", -time.Millisecond, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := record.New(record.Options{Start: t0})
			r.Received(t0, t0, t0.Add(tt.took), 1)
			s := r.Snapshot(at(time.Second))
			if s.Clamped != tt.wantClamped || s.Valid != (tt.wantClamped == 0) {
				t.Errorf("clamped %d, valid %v (%q); want %d", s.Clamped, s.Valid, s.Invalid, tt.wantClamped)
			}
			if !near(s.Latency.Max, tt.wantMaxUS, 0.001) || !near(s.LatencyUncorrected.Max, tt.wantMaxUS, 0.001) {
				t.Errorf("max %g / %g µs, want %g µs", s.Latency.Max, s.LatencyUncorrected.Max, tt.wantMaxUS)
			}
		})
	}
}

func TestSummaryFill(t *testing.T) {
	t.Parallel()
	r := record.New(record.Options{Start: t0, Planned: 1000})
	blockedSender(r)
	r.Error()
	s := r.Snapshot(at(10 * time.Second))
	w := result.Workload{Name: "reqrep", Model: result.ModelOpen, Duplicated: 3}
	s.Fill(&w)
	want := result.Workload{
		Name: "reqrep", Model: result.ModelOpen, Duplicated: 3,
		Sent: 10_000, Received: 10_000, Errors: 1, SendRate: 1000, RecvRate: 1000, BytesPerS: 64_000,
		Latency: s.Latency, LatencyUncorrected: s.LatencyUncorrected, Lag: s.Lag, Intervals: s.Intervals,
		Valid: true,
	}
	if !reflect.DeepEqual(w, want) {
		t.Errorf("Fill gave\n%+v\nwant\n%+v", w, want)
	}
}

// near says whether got is within rel (a fraction) of want, or within one
// microsecond for values near zero.
func near(got, want, rel float64) bool {
	return math.Abs(got-want) <= max(rel*math.Abs(want), 1)
}
