package check_test

import (
	"slices"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/check"
	"github.com/nngbench/nngbench/harness/history"
)

// figStart is the start of the synthetic workloads: warmup to 1 s, window
// to 2 s.
var figStart = time.Unix(1000, 0)

func figAt(ms int) int64 { return figStart.Add(time.Duration(ms) * time.Millisecond).UnixNano() }

func figWorkload(o history.Owed, peers ...string) history.Workload {
	return history.Workload{Pattern: "pubsub", Mode: "impl", PlannedRate: 10, Peers: peers, Owed: o,
		Start: figStart, Window: figStart.Add(time.Second), End: figStart.Add(2 * time.Second), Measured: true}
}

// Loss is counted for each way a message is owed, as the drivers' own
// ledgers counted it before the history (the cases of implload's
// TestSinkAccount): sent and missing over the whole run, the recorder's
// lost over the messages sent in the window.
func TestFiguresLossByOwed(t *testing.T) {
	for _, tc := range []struct {
		name       string
		owed       history.Owed
		sent       [][2]int // seq, peer
		got        [][2]int // peer, seq
		want       check.Loss
		wantPeers  []int64 // Lost per peer
		windowLost int64
	}{
		{"one: a reply missing in the window", history.OwedOne,
			[][2]int{{0, 0}, {1, 1}, {2, 0}}, [][2]int{{0, 0}, {1, 1}},
			check.Loss{Sent: 3, Received: 2, Lost: 1, Missing: []uint64{2}}, []int64{1, 0}, 1},
		{"any: a copy at two peers", history.OwedAny,
			[][2]int{{0, 0}, {1, 0}}, [][2]int{{0, 0}, {1, 0}, {1, 1}},
			check.Loss{Sent: 2, Received: 2, Duplicated: 1}, []int64{0, 0}, 0},
		{"each: one peer missed one", history.OwedEach,
			[][2]int{{0, 0}, {1, 0}}, [][2]int{{0, 0}, {1, 0}, {1, 1}, {1, 1}},
			check.Loss{Sent: 2, Received: 3, Lost: 1, Duplicated: 1, Missing: []uint64{1}}, []int64{1, 0}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tape []history.Op
			for _, m := range tc.sent {
				due := figAt(500 + 500*m[0]) // seq 0 in warmup, 1 and 2 in the window
				peer := history.NoPeer
				if tc.owed == history.OwedOne {
					peer = int32(m[1])
				}
				tape = append(tape, history.SendOp(0, uint64(m[0]), peer, due, due, 10))
			}
			for _, g := range tc.got {
				tape = append(tape, history.ReceiptOp(0, uint64(g[1]), int32(g[0]), figAt(501+500*g[1]), 10))
			}
			f := check.WorkloadFigures(figWorkload(tc.owed, "a", "b"), [][]history.Op{tape})
			got := f.Loss
			if got.Sent != tc.want.Sent || got.Received != tc.want.Received || got.Lost != tc.want.Lost ||
				got.Duplicated != tc.want.Duplicated || !slices.Equal(got.Missing, tc.want.Missing) {
				t.Errorf("loss %+v, want %+v", got, tc.want)
			}
			for i, p := range f.Peers {
				if p.Lost != tc.wantPeers[i] {
					t.Errorf("peer %d lost %d, want %d", i, p.Lost, tc.wantPeers[i])
				}
			}
			if s := f.Recv.Snapshot(figStart.Add(2 * time.Second)); s.Lost != tc.windowLost {
				t.Errorf("window lost %d, want %d", s.Lost, tc.windowLost)
			}
		})
	}
}

// A worker has a config version from its first receipt of it or of a
// later one, by broadcast or by snapshot (implload's TestHadBy): the time
// to the last worker is taken so, and a snapshot is no delivery.
func TestFiguresCumulative(t *testing.T) {
	w := figWorkload(history.OwedEach, "w")
	w.Last, w.Cumulative, w.Window = history.LastEach, true, figStart
	var tape []history.Op
	for v := uint64(1); v <= 6; v++ {
		tape = append(tape, history.SendOp(0, v, history.NoPeer, figAt(int(v)), figAt(int(v)), 10))
	}
	snap := history.ReceiptOp(0, 4, 0, figAt(40), 0) // caught up on 2, 3 and 4
	snap.Flags = history.FlagSnapshot
	tape = append(tape, history.ReceiptOp(0, 1, 0, figAt(10), 10), snap,
		history.ReceiptOp(0, 3, 0, figAt(45), 10), // the broadcast of 3, late
		history.ReceiptOp(0, 5, 0, figAt(50), 10))
	f := check.WorkloadFigures(w, [][]history.Op{tape})
	if f.Loss.Received != 3 || !slices.Equal(f.Loss.Missing, []uint64{2, 4, 6}) {
		t.Errorf("loss %+v: want 1, 3 and 5 delivered by broadcast, 2, 4 and 6 not", f.Loss)
	}
	// Had at 10, 40, 40, 40 and 50 ms, and 6 never.
	end := figStart.Add(2 * time.Second)
	last := f.Last.Snapshot(end)
	if last.Received != 5 {
		t.Fatalf("time to last: %d versions, want 5 (6 never had)", last.Received)
	}
	// From each version's send at v ms: 9, 38, 37, 36 and 45 ms.
	for _, c := range []struct {
		what      string
		got, want float64
	}{{"p50", last.Latency.P50, 37_000}, {"max", last.Latency.Max, 45_000}} {
		if c.got < c.want-100 || c.got > c.want+100 {
			t.Errorf("time to last %s %.0fµs, want %.0fµs", c.what, c.got, c.want)
		}
	}
	if f.Loss.Reordered != 0 {
		// 3 after 1 is in order: the snapshot of 4 is no receipt of the message.
		t.Errorf("reordered %d, want 0", f.Loss.Reordered)
	}
}
