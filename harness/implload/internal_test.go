package implload

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/impl/api"
)

// Sizes stay in range and depend on the seed and the message alone; the
// JSON padding is valid and as long as asked.
func TestPadding(t *testing.T) {
	p := newPadding(scenario.SizeRange{Min: 16, Max: 300}, 7)
	again := newPadding(scenario.SizeRange{Min: 16, Max: 300}, 7)
	other := newPadding(scenario.SizeRange{Min: 16, Max: 300}, 8)
	differ := 0
	for seq := range uint64(1000) {
		n := p.size(seq)
		if n < 16 || n > 300 || n != again.size(seq) {
			t.Fatalf("seq %d: size %d (again %d), want a repeatable size in [16, 300]", seq, n, again.size(seq))
		}
		if n != other.size(seq) {
			differ++
		}
		b := p.json(seq)
		if len(b) != n || !json.Valid(b) || len(p.text(seq)) != n {
			t.Fatalf("seq %d: json %q (%d bytes), text %d bytes, want %d", seq, b, len(b), len(p.text(seq)), n)
		}
	}
	if differ < 900 {
		t.Errorf("another seed changed only %d of 1000 sizes", differ)
	}
	if got := newPadding(scenario.SizeRange{Min: 4, Max: 4}, 1).json(0); !json.Valid(got) {
		t.Errorf("below the JSON wrapper: %q", got)
	}
}

// The sink counts loss as package load does, for each way a message is owed.
func TestSinkAccount(t *testing.T) {
	start := time.Unix(1000, 0)
	tl := record.Timeline{Start: start, Window: start.Add(time.Second), End: start.Add(2 * time.Second)}
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	for _, tc := range []struct {
		name       string
		owed       owed
		sent       [][2]int // seq, peer
		got        [][2]int // peer, seq
		want       load.Loss
		wantPeers  []int64 // Lost per peer
		windowLost int64
	}{
		{"one: a reply missing in the window", owedOne,
			[][2]int{{0, 0}, {1, 1}, {2, 0}}, [][2]int{{0, 0}, {1, 1}},
			load.Loss{Sent: 3, Received: 2, Lost: 1, Missing: []uint64{2}}, []int64{1, 0}, 1},
		{"any: a copy at two peers", owedAny,
			[][2]int{{0, 0}, {1, 0}}, [][2]int{{0, 0}, {1, 0}, {1, 1}},
			load.Loss{Sent: 2, Received: 2, Duplicated: 1}, []int64{0, 0}, 0},
		{"each: one peer missed one", owedEach,
			[][2]int{{0, 0}, {1, 0}}, [][2]int{{0, 0}, {1, 0}, {1, 1}, {1, 1}},
			load.Loss{Sent: 2, Received: 3, Lost: 1, Duplicated: 1, Missing: []uint64{1}}, []int64{1, 0}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSink(Spec{Spec: load.Spec{Rate: 10}}, tl, []string{"a", "b"}, tc.owed)
			for _, m := range tc.sent {
				due := at(500 + 500*m[0]) // seq 0 in warmup, 1 and 2 in the window
				s.sent(tick{seq: uint64(m[0]), intended: due}, due, m[1], 10)
			}
			for _, g := range tc.got {
				due := at(500 + 500*g[1])
				s.received(g[0], uint64(g[1]), due, due, due.Add(time.Millisecond), 10)
			}
			o := s.outcome()
			got := o.Loss
			if got.Missing == nil {
				got.Missing = []uint64{}
			}
			if tc.want.Missing == nil {
				tc.want.Missing = []uint64{}
			}
			if got.Sent != tc.want.Sent || got.Received != tc.want.Received || got.Lost != tc.want.Lost ||
				got.Duplicated != tc.want.Duplicated || !slices.Equal(got.Missing, tc.want.Missing) {
				t.Errorf("loss %+v, want %+v", got, tc.want)
			}
			for i, p := range o.Peers {
				if p.Lost != tc.wantPeers[i] {
					t.Errorf("peer %d lost %d, want %d", i, p.Lost, tc.wantPeers[i])
				}
			}
			if s := o.Recv.Snapshot(o.End); s.Lost != tc.windowLost {
				t.Errorf("window lost %d, want %d", s.Lost, tc.windowLost)
			}
		})
	}
}

// Heartbeat keys continue across a worker's restart, and a retried beat
// keeps its key.
func TestBeatKeys(t *testing.T) {
	var b beats
	at := time.Unix(1000, 0)
	iv := 100 * time.Millisecond
	beat := func(seq uint64, n int) uint64 { return b.key(seq, at.Add(time.Duration(n)*iv), iv) }
	for _, step := range []struct {
		name    string
		seq     uint64
		n       int // due at n intervals
		wantKey uint64
	}{
		{"first", 1, 0, 1},
		{"next", 2, 1, 2},
		{"retried", 2, 1, 2},
		{"late old one", 1, 0, 1},
		{"next", 3, 2, 3},
		{"restarted", 1, 10, 4},
		{"after the restart", 2, 11, 5},
	} {
		if got := beat(step.seq, step.n); got != step.wantKey {
			t.Fatalf("%s: seq %d got key %d, want %d", step.name, step.seq, got, step.wantKey)
		}
	}
}

// A worker has a version from its first receipt of it or of a later one.
func TestHadBy(t *testing.T) {
	at := func(ms int) time.Time { return time.Unix(0, 0).Add(time.Duration(ms) * time.Millisecond) }
	had := []api.ConfigReceipt{
		{Version: 1, At: at(10)},
		{Version: 4, At: at(40), Via: api.ConfigViaSnapshot}, // caught up on 2, 3 and 4
		{Version: 3, At: at(45)},                             // the broadcast of 3, late
		{Version: 5, At: at(50)},
	}
	got := hadBy([]uint64{1, 2, 3, 4, 5, 6}, had)
	want := []time.Time{at(10), at(40), at(40), at(40), at(50), {}}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Errorf("version %d: had at %v, want %v", i+1, got[i], want[i])
		}
	}
}
