package engine_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
)

func TestConstantPacerPace(t *testing.T) {
	t.Parallel()
	perMs := engine.ConstantPacer{Freq: 1000, Duration: 10 * time.Second}
	tests := []struct {
		name     string
		p        engine.ConstantPacer
		elapsed  time.Duration
		hits     uint64
		wantWait time.Duration
		wantStop bool
	}{
		// Happy path: message n is due at n ms.
		{"first is due at once", perMs, 0, 0, 0, false},
		{"second waits a full period", perMs, 0, 1, time.Millisecond, false},
		{"waits only the rest of the period", perMs, 300 * time.Microsecond, 1, 700 * time.Microsecond, false},
		{"far ahead waits for its slot", perMs, time.Second, 2500, 1500 * time.Millisecond, false},
		{"last message of the run", perMs, 9*time.Second + 998*time.Millisecond, 9999, time.Millisecond, false},
		{"no end", engine.ConstantPacer{Freq: 1000}, time.Hour, 3_600_001, time.Millisecond, false},
		{"a third of a second, rounded to the ns", engine.ConstantPacer{Freq: 3}, 0, 1, 333_333_333 * time.Nanosecond, false},
		{"two thirds rounded up", engine.ConstantPacer{Freq: 3}, 0, 2, 666_666_667 * time.Nanosecond, false},
		// Late: send at once, never skip.
		{"late sends at once", perMs, 5 * time.Millisecond, 2, 0, false},
		{"far behind still sends", perMs, 9 * time.Second, 10, 0, false},
		// Stop.
		{"schedule done", perMs, 9*time.Second + 999*time.Millisecond, 10000, 0, true},
		{"time up with messages unsent", perMs, 10 * time.Second, 9800, 0, true},
		{"zero rate", engine.ConstantPacer{Duration: time.Second}, 0, 0, 0, true},
		{"negative rate", engine.ConstantPacer{Freq: -1}, 0, 0, 0, true},
		{"NaN rate", engine.ConstantPacer{Freq: math.NaN()}, 0, 0, 0, true},
		{"infinite rate", engine.ConstantPacer{Freq: math.Inf(1)}, 0, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wait, stop := tt.p.Pace(tt.elapsed, tt.hits)
			if wait != tt.wantWait || stop != tt.wantStop {
				t.Errorf("Pace(%v, %d) = (%v, %v), want (%v, %v)", tt.elapsed, tt.hits, wait, stop, tt.wantWait, tt.wantStop)
			}
		})
	}
}

func TestConstantPacerIntended(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		freq float64
		hit  uint64
		want time.Duration
	}{
		{1000, 0, 0},
		{1000, 3, 3 * time.Millisecond},
		{1000, 10_000, 10 * time.Second},
		{1e6, 1, time.Microsecond},
		{7, 7_000_000, 1_000_000 * time.Second}, // no drift after a million seconds
		{0.5, 3, 6 * time.Second},
		{0, 5, 0},                             // no rate: stuck at the start
		{1e-9, math.MaxUint64, math.MaxInt64}, // beyond a Duration: stuck at the end
	}
	for _, tt := range tests {
		if got := (engine.ConstantPacer{Freq: tt.freq}).Intended(start, tt.hit).Sub(start); got != tt.want {
			t.Errorf("Freq %g: Intended(hit %d) = start+%v, want start+%v", tt.freq, tt.hit, got, tt.want)
		}
	}
}

// TestSchedule walks a short schedule: every message in order, each due
// 1 ms after the last and handed out no earlier, none skipped when the
// caller is late, and nothing after the end or once ctx is done.
func TestSchedule(t *testing.T) {
	start := time.Now()
	sch := engine.NewSchedule(engine.ConstantPacer{Freq: 1000, Duration: 20 * time.Millisecond}, start)
	defer sch.Stop()
	ctx := context.Background()
	for want := range uint64(20) {
		seq, intended, ok := sch.Next(ctx)
		if !ok || seq != want || !intended.Equal(start.Add(time.Duration(want)*time.Millisecond)) {
			t.Fatalf("message %d: %d, %v, %v", want, seq, intended.Sub(start), ok)
		}
		if now := time.Now(); now.Before(intended) {
			t.Fatalf("message %d handed out %v before it was due", seq, intended.Sub(now))
		}
	}
	if _, _, ok := sch.Next(ctx); ok {
		t.Fatal("a message after the end")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	far := engine.NewSchedule(engine.ConstantPacer{Freq: 1}, time.Now().Add(time.Hour))
	defer far.Stop()
	if _, _, ok := far.Next(cancelled); ok {
		t.Fatal("a message once ctx was done")
	}
}

// Near their due time, messages are spun for, not slept for: at 100,000/s
// (10 µs apart, under DefaultSpin) every one still comes in order, at its
// exact intended time and never before it (with the slack of a second at
// the end: a preempted test is late, which is not what this one checks).
func TestScheduleSpins(t *testing.T) {
	const n = 2000
	start := time.Now()
	sch := engine.NewScheduleWith(engine.ConstantPacer{Freq: 100_000, Duration: n * 10 * time.Microsecond}, start,
		engine.ScheduleOptions{Slack: time.Second})
	defer sch.Stop()
	for want := range uint64(n) {
		seq, intended, ok := sch.Next(context.Background())
		if now := time.Now(); !ok || seq != want || !intended.Equal(start.Add(time.Duration(want)*10*time.Microsecond)) || now.Before(intended) {
			t.Fatalf("message %d: %d, due %v, handed out at %v, %v", want, seq, intended.Sub(start), now.Sub(start), ok)
		}
	}
	if _, _, ok := sch.Next(context.Background()); ok {
		t.Fatal("a message after the end")
	}
}

// The end of a schedule whose caller is late when the time is up: within
// Slack, every message due before the end still goes out once, so the
// count is the plan; further behind, or with no Slack, it stops at once and
// the tail it never reached stays unsent. Each walk starts already late
// (start in the past), so that lateness, not timing luck, decides.
func TestScheduleEnd(t *testing.T) {
	t.Parallel()
	const freq, window = 1_000_000, 10 * time.Millisecond // 10,000 messages, 1 µs apart
	for _, tc := range []struct {
		name      string
		ago       time.Duration // how long before the first call the schedule started
		slack     time.Duration
		all, none bool // want: the whole plan, nothing
	}{
		// Handing out 9,900 late messages takes far longer than the 100 µs left: the
		// caller passes the end a little late.
		{"a hair late at the end, within slack: the whole plan", window - 100*time.Microsecond, time.Second, true, false},
		{"a hair late at the end, no slack: the tail is unsent", window - 100*time.Microsecond, 0, false, false},
		{"further behind than slack at the end: stops at once", window + 50*time.Millisecond, 10 * time.Millisecond, false, true},
		{"far behind, no slack: stops at once", window + time.Millisecond, 0, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now().Add(-tc.ago)
			sch := engine.NewScheduleWith(engine.ConstantPacer{Freq: freq, Duration: window}, start, engine.ScheduleOptions{Slack: tc.slack})
			defer sch.Stop()
			n := uint64(0)
			for {
				seq, intended, ok := sch.Next(context.Background())
				if !ok {
					break
				}
				if seq != n || !intended.Equal(start.Add(time.Duration(seq)*time.Microsecond)) {
					t.Fatalf("message %d: got %d due %v", n, seq, intended.Sub(start))
				}
				n++
			}
			if _, _, ok := sch.Next(context.Background()); ok {
				t.Fatal("a message after the schedule stopped")
			}
			plan := uint64(freq * window.Seconds())
			switch {
			case tc.all && n != plan:
				t.Errorf("%d messages, want the plan, %d", n, plan)
			case tc.none && n != 0:
				t.Errorf("%d messages, want none", n)
			case !tc.all && !tc.none && (n == 0 || n >= plan):
				t.Errorf("%d messages, want some and fewer than the plan, %d", n, plan)
			}
		})
	}
}
