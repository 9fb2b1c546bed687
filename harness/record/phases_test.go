package record_test

import (
	"math"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/result"
)

// TestPhases splits the known-answer stall around a "fault" from 5 s to
// 6 s: nothing is answered during it, and its backlog lands after it.
func TestPhases(t *testing.T) {
	r := record.New(record.Options{Start: t0})
	openLoopStall(r)
	faults := []result.Fault{
		{Name: "stall", StartedAt: at(5 * time.Second), EndedAt: at(6 * time.Second)},
		{Name: "never applied"},
		{Name: "still on", StartedAt: at(8 * time.Second)},
	}
	got := r.Phases(faults, at(10*time.Second))
	want := []struct {
		fault, phase string
		count        int64
		maxMS        float64
	}{
		// Message k (not stalled) is answered at k+1 ms: 0..4998 before 5 s,
		// 4999 at 5 s, within the fault's first interval; the backlog of
		// 1,000 at 6 s, after it, with the rest up to the last, at 10 s.
		{"stall", result.PhaseBefore, 4999, 1},
		{"stall", result.PhaseDuring, 1, 1},
		{"stall", result.PhaseAfter, 5000, 1000},
		{"still on", result.PhaseBefore, 7999, 1000},
		{"still on", result.PhaseDuring, 2001, 1}, // the drain too: message 9999 is answered at 10 s
	}
	if len(got) != len(want) {
		t.Fatalf("%d phases, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Fault != w.fault || g.Phase != w.phase || g.Latency.Count != w.count {
			t.Errorf("phase %d: %s/%s with %d messages, want %s/%s with %d", i, g.Fault, g.Phase, g.Latency.Count, w.fault, w.phase, w.count)
		}
		// Two significant digits: within 1%.
		if maxMS := g.Latency.Max / 1000; math.Abs(maxMS-w.maxMS) > 0.01*w.maxMS {
			t.Errorf("%s/%s: max %v ms, want %v ms", g.Fault, g.Phase, maxMS, w.maxMS)
		}
	}
}
