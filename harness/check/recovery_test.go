package check_test

import (
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/check"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/impl/controlplane"
)

func TestRecovery(t *testing.T) {
	w0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return w0.Add(time.Duration(s * float64(time.Second))) }
	// One interval a second: 1 ms p99 and 100 messages, 20 ms and 10 during
	// the fault (3 s to 5 s), back to normal from 6 s.
	var ivs []result.Interval
	for i := range 10 {
		iv := result.Interval{TS: float64(i), Received: 100, P99US: 1000}
		if i >= 3 && i < 6 {
			iv.Received, iv.P99US = 10, 20000
		}
		ivs = append(ivs, iv)
	}
	faults := []result.Fault{
		{Name: "partition-1", Target: "worker-2,worker-3", StartedAt: at(3), EndedAt: at(5)},
		{Name: "never-applied", Target: "worker-1"},
		{Name: "latency-3", Target: "worker-1", StartedAt: at(8)}, // never healed
	}
	events := []controlplane.Event{
		{Kind: controlplane.NodeOffline, Node: "worker-1", At: at(1)}, // before the fault: not its doing
		{Kind: controlplane.NodeOffline, Node: "worker-3", At: at(3.5)},
		{Kind: controlplane.InstanceMigrated, Node: "worker-1", Detail: "from worker-3", At: at(3.6)},
		{Kind: controlplane.InstanceMigrated, Node: "worker-2", Detail: "from worker-3", At: at(3.75)},
		{Kind: controlplane.MigrationDone, Node: "worker-3", At: at(3.75)},
		{Kind: controlplane.InstanceMigrated, Node: "worker-1", Detail: "from worker-3", At: at(9)}, // a later outage
	}
	got := check.Recovery(check.Run{Window: w0, Interval: time.Second, Faults: faults, Events: events,
		Workloads: []result.Workload{{Name: "w", Intervals: ivs}}})
	if len(got) != 2 {
		t.Fatalf("%d recoveries, want 2 (one fault never applied): %+v", len(got), got)
	}
	p := got[0]
	for _, f := range []struct {
		name string
		got  *float64
		want float64
	}{
		{"detection", p.DetectionS, 0.5},
		{"migration", p.MigrationS, 0.25},
		{"performance", p.PerformanceS, 2}, // heal at 5 s; interval 6-7 s is the first back, known at 7 s
	} {
		if f.got == nil || *f.got < f.want-1e-9 || *f.got > f.want+1e-9 {
			t.Errorf("%s = %v, want %v", f.name, show(f.got), f.want)
		}
	}
	if p.ConvergenceS != nil {
		t.Errorf("convergence %v without a config watch", *p.ConvergenceS)
	}
	if q := got[1]; q.Fault != "latency-3" || q.DetectionS != nil || q.PerformanceS != nil {
		t.Errorf("unhealed fault: %+v", q)
	}
}

func show(p *float64) any {
	if p == nil {
		return "nil"
	}
	return *p
}

// TestRecoveryBaselineFromPhase: the p99 to come back to is the whole
// pre-fault window's (its "before" phase) when the result has it.
func TestRecoveryBaselineFromPhase(t *testing.T) {
	w0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return w0.Add(time.Duration(s * float64(time.Second))) }
	ivs := []result.Interval{
		{TS: 0, Received: 100, P99US: 1000}, {TS: 1, Received: 100, P99US: 1000},
		{TS: 2, Received: 10, P99US: 9000}, // the fault
		{TS: 3, Received: 100, P99US: 1150}, {TS: 4, Received: 100, P99US: 1150},
	}
	f := result.Fault{Name: "f", Target: "worker-1", StartedAt: at(2), EndedAt: at(3)}
	run := func(phases []result.Phase) *float64 {
		rec := check.Recovery(check.Run{Window: w0, Interval: time.Second, Faults: []result.Fault{f},
			Workloads: []result.Workload{{Name: "w", Intervals: ivs, Phases: phases}}})
		return rec[0].PerformanceS
	}
	if got := run(nil); got != nil {
		t.Errorf("against the intervals' 1 ms, 1.15 ms is not back: got %v", *got)
	}
	window := []result.Phase{{Fault: "f", Phase: result.PhaseBefore, Latency: result.Percentiles{P99: 1200, Count: 200}}}
	if got := run(window); got == nil || *got != 1 {
		t.Errorf("against the window's 1.2 ms, back after the first interval: got %v", show(got))
	}
}
