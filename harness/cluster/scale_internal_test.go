package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

// listCP serves a scripted node list, one per read.
type listCP struct {
	cpHandle
	reads [][]api.Node
	i     int
}

func (l *listCP) nodes(context.Context) ([]api.Node, error) {
	out := l.reads[min(l.i, len(l.reads)-1)]
	l.i++
	return out, nil
}

// TestBeatWatchGaps: each change of a node's last_seen is a beat, the
// gap between two changes is its lateness, a gap over 1.5 intervals is
// late, and a node seen offline is counted.
func TestBeatWatchGaps(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	on := func(id string, s float64) api.Node {
		return api.Node{ID: id, Status: api.StatusOnline, LastSeen: at(s)}
	}
	cp := &listCP{reads: [][]api.Node{
		{on("a", 0), on("b", 0)},
		{on("a", 0), on("b", 0)},     // no change: no beat
		{on("a", 10), on("b", 10.2)}, // one beat each, on time
		{on("a", 10), {ID: "b", Status: api.StatusOffline, LastSeen: at(10.2)}},
		{on("a", 26), on("b", 25)}, // a: 16 s gap, late; b: 14.8 s, on time
	}}
	w := &BeatWatch{c: &Cluster{cp: cp}, interval: 10 * time.Second, last: map[string]time.Time{}}
	for range cp.reads {
		w.read(context.Background())
	}
	want := Beats{Workers: 2, Handled: 4, Late: 1, MaxGap: 16 * time.Second, Offline: 1, Polls: 5}
	if w.beats != want {
		t.Fatalf("beats %+v, want %+v", w.beats, want)
	}
}
