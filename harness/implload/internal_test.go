package implload

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/scenario"
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
