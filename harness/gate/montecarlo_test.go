package gate_test

import (
	"testing"

	"github.com/nngbench/nngbench/harness/gate"
)

// trials draws baseline and candidate runs of two scenarios with two
// workloads each (16 comparisons, so 6 runs a side) trials times, with the
// candidate's latencies extraUS slower, and counts the regressions found.
func trials(t *testing.T, n int, extraUS float64, opt gate.Options) int {
	t.Helper()
	const k = 6
	found := 0
	for i := range n {
		seed := uint64(1000 * (i + 1))
		b, c := newNoise(seed, 0), newNoise(seed+1, extraUS)
		rep, err := gate.Compare(
			inMemory("b", b.runs(k, "smoke-a", "reqrep", "pubsub"), b.runs(k, "smoke-b", "reqrep", "pushpull")),
			inMemory("c", c.runs(k, "smoke-a", "reqrep", "pubsub"), c.runs(k, "smoke-b", "reqrep", "pushpull")),
			opt)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Comparisons != 16 || rep.RunsNeeded != k {
			t.Fatalf("%d comparisons needing %d runs, want 16 and %d", rep.Comparisons, rep.RunsNeeded, k)
		}
		switch rep.Verdict {
		case gate.Regression:
			found++
		case gate.Incomparable:
			t.Fatalf("trial %d: incomparable: %q", i, rep.Problems)
		case gate.Pass:
		}
	}
	return found
}

// TestFalseAlarmRate: a candidate from the same distribution as the
// baseline fails in fewer than 5% of 200 trials, with the default margin,
// and with no margin at all (Holm's correction alone holds the rate).
func TestFalseAlarmRate(t *testing.T) {
	t.Parallel()
	const n = 200
	for _, tt := range []struct {
		name string
		opt  gate.Options
	}{{"default margin", gate.Options{}}, {"no margin", gate.Options{MaxRegression: 1e-9}}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			alarms := trials(t, n, 0, tt.opt)
			t.Logf("false alarms: %d of %d", alarms, n)
			if alarms*20 >= n {
				t.Errorf("false alarms in %d of %d trials: not below 5%%", alarms, n)
			}
		})
	}
}

// TestDetectionRate: a candidate 2 ms slower on every message fails in at
// least 95% of 200 trials.
func TestDetectionRate(t *testing.T) {
	t.Parallel()
	const n = 200
	found := trials(t, n, 2000, gate.Options{})
	t.Logf("regressions found: %d of %d", found, n)
	if found*20 < 19*n {
		t.Errorf("found the regression in %d of %d trials: below 95%%", found, n)
	}
}
