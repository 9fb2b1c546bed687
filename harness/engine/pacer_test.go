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
