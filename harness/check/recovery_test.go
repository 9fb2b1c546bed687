package check_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/check"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/result"
)

var rhT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// rhAt is s seconds into the run.
func rhAt(s float64) time.Time { return rhT0.Add(rhD(s)) }

func rhD(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

func rhS(s float64) *float64 { return &s }

// rhFlow is a synthetic workload: every peer is sent a message every 10 ms
// from start to end (seconds into the run), and gets it lat later, or never
// when lat says so.
type rhFlow struct {
	peers              []string
	start, window, end float64
	lat                func(peer int, due time.Duration) (time.Duration, bool)
}

// build returns the flow's workload and tapes: per peer one tape of sends
// and one of receipts.
func (f rhFlow) build() (history.Workload, [][]history.Op) {
	w := history.Workload{Name: "flow", Pattern: "reqrep", Mode: "impl", Model: result.ModelOpen,
		PlannedRate: 100 * float64(len(f.peers)), Peers: f.peers, Owed: history.OwedOne,
		Start: rhAt(f.start), Window: rhAt(f.window), End: rhAt(f.end), Measured: true}
	var tapes [][]history.Op
	for p := range f.peers {
		var sends, receipts []history.Op
		var seq uint64
		for due := rhD(f.start); due < rhD(f.end); due += 10 * time.Millisecond {
			seq++
			at := rhT0.Add(due).UnixNano()
			sends = append(sends, history.SendOp(uint32(p+1), seq, int32(p), at, at, 64))
			if lat, ok := f.lat(p, due); ok {
				receipts = append(receipts, history.ReceiptOp(uint32(p+1), seq, int32(p), at+int64(lat), 64))
			}
		}
		tapes = append(tapes, sends, receipts)
	}
	return w, tapes
}

// rhHistory is a history of faults, events and flows.
func rhHistory(faults []result.Fault, events []history.Event, flows ...rhFlow) *history.History {
	h := &history.History{Meta: history.Meta{Schema: history.Schema, Events: events,
		Result: result.Result{Faults: faults}}}
	for _, f := range flows {
		w, tapes := f.build()
		h.Meta.Workloads = append(h.Meta.Workloads, w)
		h.Tapes = append(h.Tapes, tapes)
	}
	return h
}

// rhSlow is a latency of slow from..until (due times, seconds), else fast.
func rhSlow(from, until float64, fast, slow time.Duration) func(int, time.Duration) (time.Duration, bool) {
	return func(_ int, due time.Duration) (time.Duration, bool) {
		if due >= rhD(from) && due < rhD(until) {
			return slow, true
		}
		return fast, true
	}
}

func rhEvent(s float64, kind, node string) history.Event {
	return history.Event{At: rhAt(s), Kind: kind, Node: node}
}

func rhPublished(s float64, v uint64) history.Event {
	return history.Event{At: rhAt(s), Kind: history.EventConfigPublished, Version: v}
}

func rhApplied(s float64, node string, v uint64, boot int) history.Event {
	return history.Event{At: rhAt(s), Kind: history.EventConfigApplied, Node: node, Version: v, Boot: boot, Detail: "broadcast"}
}

func rhMigrated(s float64, to, from string) history.Event {
	return history.Event{At: rhAt(s), Kind: history.EventInstanceMigrated, Node: to, Detail: "from " + from}
}

// rhWant is one fault's expected figures; perf within 10 ms, the others
// exact.
type rhWant struct {
	fault                string
	det, mig, conv, perf *float64
}

func TestRecoveryOf(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	partition := result.Fault{Name: "partition-1", Kind: "partition", Target: "worker-2", StartedAt: rhAt(1), EndedAt: rhAt(3)}
	cases := []struct {
		name string
		h    *history.History
		want []rhWant
	}{
		{
			name: "detection and migration from events",
			h: rhHistory([]result.Fault{
				partition,
				{Name: "never-applied", Kind: "partition", Target: "worker-3"},
				{Name: "latency-2", Kind: "latency", Target: "worker-3", StartedAt: rhAt(4), EndedAt: rhAt(5)},
			}, []history.Event{
				rhEvent(0.5, history.EventNodeOffline, "worker-2"), // before the fault
				rhEvent(0.6, history.EventNodeOnline, "worker-2"),
				rhEvent(1.2, history.EventNodeOffline, "worker-1"), // not a target
				rhEvent(1.5, history.EventNodeOffline, "worker-2"),
				rhMigrated(1.7, "worker-1", "worker-2"),
				rhMigrated(1.8, "worker-2", "worker-1"), // off another node
				rhMigrated(1.9, "worker-3", "worker-2"),
				{At: rhAt(2.0), Kind: history.EventMigrationDone, Node: "worker-2", Detail: "2 instances re-created elsewhere"},
				rhMigrated(2.5, "worker-1", "worker-2"), // after the migration was done
			}),
			want: []rhWant{{fault: "partition-1", det: rhS(0.5), mig: rhS(0.4)}, {fault: "latency-2"}},
		},
		{
			name: "migration ends when the node comes back",
			h: rhHistory([]result.Fault{partition}, []history.Event{
				rhEvent(1.5, history.EventNodeOffline, "worker-2"),
				rhMigrated(1.6, "worker-1", "worker-2"),
				rhEvent(2.0, history.EventNodeOnline, "worker-2"),
				rhMigrated(2.5, "worker-1", "worker-2"), // a later outage's, say
			}),
			want: []rhWant{{fault: "partition-1", det: rhS(0.5), mig: rhS(0.1)}},
		},
		{
			name: "convergence: current at the heal",
			h: rhHistory([]result.Fault{{Name: "partition-1", Kind: "partition", Target: "controlplane,worker-2",
				StartedAt: rhAt(1), EndedAt: rhAt(3)}}, []history.Event{
				rhPublished(0.5, 3), rhApplied(0.6, "worker-1", 3, 0), rhApplied(0.6, "worker-2", 3, 0),
			}),
			want: []rhWant{{fault: "partition-1", conv: rhS(0)}},
		},
		{
			name: "convergence: after the heal",
			h: rhHistory([]result.Fault{partition}, []history.Event{
				rhPublished(0.5, 3), rhApplied(0.6, "worker-2", 3, 0),
				rhPublished(2.0, 4), rhApplied(2.01, "worker-1", 4, 0), // during the partition
				rhPublished(3.1, 5), // after the heal: not waited for
				rhApplied(3.25, "worker-2", 5, 0),
			}),
			want: []rhWant{{fault: "partition-1", conv: rhS(0.25)}},
		},
		{
			name: "convergence: never",
			h: rhHistory([]result.Fault{partition}, []history.Event{
				rhPublished(0.5, 3), rhApplied(0.6, "worker-2", 3, 0), rhPublished(2.0, 4), rhApplied(2.01, "worker-1", 4, 0),
			}),
			want: []rhWant{{fault: "partition-1"}},
		},
		{
			name: "convergence: no worker among the targets",
			h: rhHistory([]result.Fault{{Name: "kill-cp", Kind: "kill", Target: "controlplane", StartedAt: rhAt(1), EndedAt: rhAt(3)}},
				[]history.Event{rhPublished(0.5, 3), rhApplied(0.6, "worker-2", 3, 0)}),
			want: []rhWant{{fault: "kill-cp"}},
		},
		{
			name: "convergence: a killed worker applies it again after its restart",
			h: rhHistory([]result.Fault{{Name: "kill-1", Kind: "kill", Target: "worker-1", StartedAt: rhAt(1), EndedAt: rhAt(2)}},
				[]history.Event{
					rhPublished(0.4, 2), rhApplied(0.5, "worker-1", 2, 0), // lost with the process
					rhApplied(1.0, "worker-1", 2, 0), // at the kill itself: still the killed boot's
					rhApplied(2.12, "worker-1", 2, 1),
				}),
			want: []rhWant{{fault: "kill-1", conv: rhS(0.12)}},
		},
		{
			name: "convergence: a killed worker had it again by the heal",
			h: rhHistory([]result.Fault{{Name: "kill-1", Kind: "kill", Target: "worker-1", StartedAt: rhAt(1), EndedAt: rhAt(2)}},
				[]history.Event{rhPublished(0.4, 2), rhApplied(0.5, "worker-1", 2, 0), rhApplied(1.9, "worker-1", 2, 1)}),
			want: []rhWant{{fault: "kill-1", conv: rhS(0)}},
		},
		{
			name: "performance: p99 back 250 ms after the heal",
			// 1 ms, 50 ms for the messages due from 2 s to 4.25 s (the heal
			// at 4 s plus 250 ms), 1 ms again after: the window of the
			// messages due from 4.25 s has one slow one in 100, under its p99.
			h: rhHistory([]result.Fault{{Name: "latency-1", Kind: "latency", Target: "worker-1", StartedAt: rhAt(2), EndedAt: rhAt(4)}}, nil,
				rhFlow{peers: []string{"worker-1"}, window: 0.5, end: 8, lat: rhSlow(2, 4.26, ms, 50*ms)},
				// No baseline: it starts after the fault.
				rhFlow{peers: []string{"worker-1"}, start: 2.5, window: 3, end: 8, lat: rhSlow(0, 100, 50*ms, 50*ms)}),
			want: []rhWant{{fault: "latency-1", perf: rhS(0.25)}},
		},
		{
			name: "performance: overlapping faults on different workers",
			// The partition's figure is worker-2's: back at once, though
			// worker-1 is slow until 6 s; the latency fault's is worker-1's,
			// back at once too: what was sent after its heal is fast.
			h: rhHistory([]result.Fault{
				partition,
				{Name: "latency-1", Kind: "latency", Target: "worker-1", StartedAt: rhAt(2), EndedAt: rhAt(6)},
			}, nil, rhFlow{peers: []string{"worker-1", "worker-2"}, window: 0.5, end: 9,
				lat: func(p int, due time.Duration) (time.Duration, bool) {
					switch {
					case p == 1 && due >= rhD(1) && due < rhD(3):
						return 0, false // partitioned: lost
					case p == 0 && due >= rhD(2) && due < rhD(6):
						return 50 * ms, true
					}
					return ms, true
				}}),
			want: []rhWant{{fault: "partition-1", perf: rhS(0)}, {fault: "latency-1", perf: rhS(0)}},
		},
		{
			name: "performance: the baseline leaves out another fault's time",
			// worker-1 is at 5 ms while an earlier fault (on worker-2, 1 s to
			// 6 s) has shifted load onto it, 1 ms before and after. The
			// later fault on worker-1 (3 s to 4 s) must come back to the
			// quiet 1 ms, at 6 s, not to the 5 ms of the shifted load.
			h: rhHistory([]result.Fault{
				{Name: "latency-1", Kind: "latency", Target: "worker-2", StartedAt: rhAt(1), EndedAt: rhAt(6)},
				{Name: "latency-2", Kind: "latency", Target: "worker-1", StartedAt: rhAt(3), EndedAt: rhAt(4)},
			}, nil, rhFlow{peers: []string{"worker-1"}, window: 0.5, end: 9, lat: rhSlow(1, 6, ms, 5*ms)}),
			want: []rhWant{{fault: "latency-1", perf: rhS(0)}, {fault: "latency-2", perf: rhS(2)}},
		},
		{
			name: "performance: never recovered",
			h: rhHistory([]result.Fault{{Name: "latency-1", Kind: "latency", Target: "worker-1", StartedAt: rhAt(2), EndedAt: rhAt(4)}}, nil,
				rhFlow{peers: []string{"worker-1"}, window: 0.5, end: 8, lat: rhSlow(2, 100, ms, 50*ms)}),
			want: []rhWant{{fault: "latency-1"}},
		},
		{
			name: "performance: throughput not back",
			h: rhHistory([]result.Fault{{Name: "latency-1", Kind: "latency", Target: "worker-1", StartedAt: rhAt(2), EndedAt: rhAt(4)}}, nil,
				rhFlow{peers: []string{"worker-1"}, window: 0.5, end: 8, lat: func(_ int, due time.Duration) (time.Duration, bool) {
					return ms, due < rhD(2) || due%(20*ms) == 0 // half the messages lost from 2 s
				}}),
			want: []rhWant{{fault: "latency-1"}},
		},
		{
			name: "unhealed: no convergence nor performance",
			h: rhHistory([]result.Fault{{Name: "partition-1", Kind: "partition", Target: "worker-2", StartedAt: rhAt(1)}},
				[]history.Event{
					rhPublished(0.5, 3), rhApplied(0.6, "worker-2", 3, 0),
					rhEvent(1.5, history.EventNodeOffline, "worker-2"),
				},
				rhFlow{peers: []string{"worker-2"}, window: 0.5, end: 8, lat: rhSlow(0, 0, ms, ms)}),
			want: []rhWant{{fault: "partition-1", det: rhS(0.5)}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := check.RecoveryOf(c.h)
			if len(got) != len(c.want) {
				t.Fatalf("got %d recoveries %+v, want %d", len(got), got, len(c.want))
			}
			for i, w := range c.want {
				g := got[i]
				if g.Fault != w.fault {
					t.Errorf("recovery %d is of %q, want %q", i, g.Fault, w.fault)
				}
				rhCompare(t, w.fault+" detection", g.DetectionS, w.det, 1e-9)
				rhCompare(t, w.fault+" migration", g.MigrationS, w.mig, 1e-9)
				rhCompare(t, w.fault+" convergence", g.ConvergenceS, w.conv, 1e-9)
				rhCompare(t, w.fault+" performance", g.PerformanceS, w.perf, 0.01+1e-9)
			}
		})
	}
}

func rhCompare(t *testing.T, what string, got, want *float64, tol float64) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s: got %s, want %s", what, rhShow(got), rhShow(want))
	case math.Abs(*got-*want) > tol:
		t.Errorf("%s: got %s, want %s (±%g)", what, rhShow(got), rhShow(want), tol)
	}
}

func rhShow(p *float64) string {
	if p == nil {
		return "nil"
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

// TestRecoveryOfPerformanceOracle checks the sliding window's p99 against
// the plain way (sort each window's latencies) on seeded random flows.
func TestRecoveryOfPerformanceOracle(t *testing.T) {
	t.Parallel()
	recovered := 0
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		lats := map[time.Duration][2]time.Duration{} // per due time and peer
		heal := 3 + rng.Float64()*2
		lossy := []time.Duration{23, 7}[seed%2] // about 1 in 23 lost after 2 s, or 1 in 7 (below Within)
		f := rhFlow{peers: []string{"worker-1", "worker-2"}, window: 0.5, end: 10,
			lat: func(p int, due time.Duration) (time.Duration, bool) {
				l, ok := lats[due]
				if !ok {
					for i := range l {
						l[i] = time.Duration(500+rng.IntN(1000)) * time.Microsecond
						if due >= rhD(2) && due < rhD(heal+rng.Float64()*1.5) {
							l[i] += time.Duration(rng.IntN(40)) * time.Millisecond
						}
					}
					lats[due] = l
				}
				return l[p], l[p]%lossy != 0 || due < rhD(2)
			}}
		fault := result.Fault{Name: "latency-2", Kind: "latency", Target: "worker-2", StartedAt: rhAt(2), EndedAt: rhAt(heal)}
		h := rhHistory([]result.Fault{fault}, nil, f)
		got := check.RecoveryOf(h)[0].PerformanceS
		want := rhNaivePerformance(h.Meta.Workloads[0], h.Tapes[0], fault, 1)
		if (got == nil) != (want == nil) || (got != nil && math.Abs(*got-*want) > 1e-9) {
			t.Errorf("seed %d: got %s, want %s", seed, rhShow(got), rhShow(want))
		}
		if want != nil {
			recovered++
			t.Logf("seed %d: back after %s s (heal at %.3f s)", seed, rhShow(want), heal)
		}
	}
	if recovered == 0 || recovered == 20 {
		t.Errorf("%d of 20 flows recovered: the oracle only saw one outcome", recovered)
	}
}

// rhNaivePerformance is the performance figure of one workload for f, by
// sorting the latencies of peer's receipts of the messages due in each window.
func rhNaivePerformance(w history.Workload, tapes [][]history.Op, f result.Fault, peer int32) *float64 {
	due := map[[2]uint64]int64{}
	for _, tape := range tapes {
		for _, op := range tape {
			if op.Kind == history.Send {
				due[[2]uint64{uint64(op.Sender), op.Seq}] = op.T1
			}
		}
	}
	type rc struct{ at, lat int64 }
	var rs []rc
	for _, tape := range tapes {
		for _, op := range tape {
			if op.Kind == history.Receipt && op.Peer == peer {
				d := due[[2]uint64{uint64(op.Sender), op.Seq}]
				rs = append(rs, rc{d, op.T1 - d})
			}
		}
	}
	in := func(from, to int64) []int64 {
		var out []int64
		for _, r := range rs {
			if r.at >= from && r.at < to {
				out = append(out, r.lat)
			}
		}
		slices.Sort(out)
		return out
	}
	p99 := func(l []int64) int64 { return l[int(math.Ceil(0.99*float64(len(l))))-1] }
	base := in(w.Window.UnixNano(), f.StartedAt.UnixNano())
	rate := float64(len(base)) / f.StartedAt.Sub(w.Window).Seconds()
	for t := f.EndedAt; !t.Add(time.Second).After(w.End); t = t.Add(10 * time.Millisecond) {
		l := in(t.UnixNano(), t.Add(time.Second).UnixNano())
		if len(l) > 0 && float64(len(l)) >= (1-check.Within)*rate && float64(p99(l)) <= (1+check.Within)*float64(p99(base)) {
			s := t.Sub(f.EndedAt).Seconds()
			return &s
		}
	}
	return nil
}

// BenchmarkRecoveryOf times the performance figure at its worst: 100,000
// receipts, and a workload that never recovers, so that every window to the
// end is tried.
func BenchmarkRecoveryOf(b *testing.B) {
	// A fault on the control plane: every receipt of the workload counts.
	fault := result.Fault{Name: "pause-cp", Kind: "pause", Target: "controlplane", StartedAt: rhAt(10), EndedAt: rhAt(20)}
	h := rhHistory([]result.Fault{fault}, nil, rhFlow{peers: []string{"worker-1", "worker-2"}, window: 1, end: 500,
		lat: func(p int, due time.Duration) (time.Duration, bool) {
			if p == 0 && due >= rhD(10) {
				return 50*time.Millisecond + due%time.Millisecond, true
			}
			return time.Millisecond + due%(3*time.Millisecond), true
		}})
	for b.Loop() {
		if r := check.RecoveryOf(h); r[0].PerformanceS != nil {
			b.Fatalf("recovered after %v s", *r[0].PerformanceS)
		}
	}
}
