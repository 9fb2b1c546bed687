package worker_test

import (
	"maps"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/reqrep"
)

func snap(v uint64, kv ...string) api.ConfigSnapshot {
	s := api.ConfigSnapshot{Version: v, Values: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Values[kv[i]] = kv[i+1]
	}
	return s
}

// applied asks the worker for its config over /config.
func applied(t *testing.T, cli *reqrep.Client) api.ConfigSnapshot {
	t.Helper()
	var s api.ConfigSnapshot
	must(t, call(t, cli, api.ConfigGet, nil, &s))
	return s
}

func waitConfig(t *testing.T, cli *reqrep.Client, want api.ConfigSnapshot) {
	t.Helper()
	testkit.Eventually(t, wait, func() bool {
		got := applied(t, cli)
		return got.Version == want.Version && maps.Equal(got.Values, want.Values)
	}, "config never became %+v", want)
}

func TestConfigBroadcastsInOrder(t *testing.T) {
	cp := newFakeCP(t)
	cp.interval = 3600 // no heartbeat during the test: broadcasts alone
	w := startWorker(t, cp.workerConfig("worker-1"), nil)
	cli := commandClient(t, w)
	cp.connected(1)
	testkit.Eventually(t, wait, func() bool { return w.Stats().Registered }, "never registered")
	if got := applied(t, cli); got.Version != 0 || got.Values == nil {
		t.Fatalf("initial config %+v, want version 0 and empty values", got)
	}

	steps := []struct {
		name     string
		publish  api.ConfigSnapshot
		snapshot *api.ConfigSnapshot // what the control plane has, when it matters
		want     api.ConfigSnapshot
		fetches  uint64
	}{
		{"first", snap(1, "a", "1"), nil, snap(1, "a", "1"), 0},
		{"next", snap(2, "a", "2", "b", "x"), nil, snap(2, "a", "2", "b", "x"), 0},
		{"stale ignored", snap(1, "a", "old"), nil, snap(2, "a", "2", "b", "x"), 0},
		{"same ignored", snap(2, "a", "other"), nil, snap(2, "a", "2", "b", "x"), 0},
		{"gap fetches the snapshot", snap(5, "a", "5"), ptr(snap(6, "a", "6", "c", "y")), snap(6, "a", "6", "c", "y"), 1},
		{"after the gap", snap(7, "a", "7"), nil, snap(7, "a", "7"), 1},
	}
	for i, s := range steps {
		if s.snapshot != nil {
			cp.setSnapshot(*s.snapshot)
		}
		cp.publish(s.publish)
		testkit.Eventually(t, wait, func() bool { return w.Stats().ConfigBroadcasts == uint64(i+1) }, "%s: not handled", s.name)
		got := applied(t, cli)
		if got.Version != s.want.Version || !maps.Equal(got.Values, s.want.Values) {
			t.Errorf("%s: applied %+v, want %+v", s.name, got, s.want)
		}
		if st := w.Stats(); st.ConfigFetches != s.fetches || st.ConfigVersion != s.want.Version {
			t.Errorf("%s: stats %+v, want %d fetches", s.name, st, s.fetches)
		}
	}
	checkHistory(t, cli, []api.ConfigReceipt{
		{Version: 1, Via: api.ConfigViaBroadcast, Applied: true},
		{Version: 2, Via: api.ConfigViaBroadcast, Applied: true},
		{Version: 1, Via: api.ConfigViaBroadcast},
		{Version: 2, Via: api.ConfigViaBroadcast},
		{Version: 5, Via: api.ConfigViaBroadcast},
		{Version: 6, Via: api.ConfigViaSnapshot, Applied: true},
		{Version: 7, Via: api.ConfigViaBroadcast, Applied: true},
	})
}

// checkHistory reads the worker's config receipts in pages of two and
// compares them with want (N and At aside: numbered from 1, in time order).
func checkHistory(t *testing.T, cli *reqrep.Client, want []api.ConfigReceipt) {
	t.Helper()
	var got []api.ConfigReceipt
	for after := uint64(0); ; {
		var page api.ConfigHistory
		must(t, call(t, cli, api.ConfigHistoryGet, api.ConfigHistoryQuery{After: after, Limit: 2}, &page))
		if page.First != 1 || page.Last != uint64(len(want)) || len(page.Entries) > 2 {
			t.Fatalf("page after %d: first %d, last %d, %d entries; want 1, %d, at most 2", after, page.First, page.Last, len(page.Entries), len(want))
		}
		if len(page.Entries) == 0 {
			break
		}
		got = append(got, page.Entries...)
		after = page.Entries[len(page.Entries)-1].N
	}
	if len(got) != len(want) {
		t.Fatalf("%d receipts, want %d: %+v", len(got), len(want), got)
	}
	for i, r := range got {
		if r.N != uint64(i+1) || (i > 0 && r.At.Before(got[i-1].At)) || r.At.IsZero() {
			t.Errorf("receipt %d: n %d at %v, after %v", i, r.N, r.At, got[max(i-1, 0)].At)
		}
		r.N, r.At = 0, time.Time{}
		if r != want[i] {
			t.Errorf("receipt %d: %+v, want %+v", i, r, want[i])
		}
	}
}

func ptr[T any](v T) *T { return &v }

// A worker that missed a broadcast altogether (nothing newer was
// published) learns the version from a heartbeat reply and fetches it.
func TestConfigFromHeartbeat(t *testing.T) {
	cp := newFakeCP(t)
	cp.setSnapshot(snap(3, "k", "v3"))
	w := startWorker(t, cp.workerConfig("worker-1"), nil)
	cli := commandClient(t, w)
	waitConfig(t, cli, snap(3, "k", "v3")) // fetched on registering
	cp.setSnapshot(snap(4, "k", "v4"))
	waitConfig(t, cli, snap(4, "k", "v4"))
	if st := w.Stats(); st.ConfigBroadcasts != 0 || st.ConfigFetches < 2 {
		t.Errorf("stats %+v", st)
	}
}

// A control plane that restarted with its config history lost (a lower
// version) is the authority: the worker takes its snapshot on registering.
func TestConfigFollowsRestartedControlPlane(t *testing.T) {
	cp := newFakeCP(t)
	cp.setSnapshot(snap(9, "k", "nine"))
	w := startWorker(t, cp.workerConfig("worker-1"), nil)
	cli := commandClient(t, w)
	waitConfig(t, cli, snap(9, "k", "nine"))
	cp.setSnapshot(snap(1, "k", "one"))
	cp.forget("worker-1")
	waitConfig(t, cli, snap(1, "k", "one"))
	st := w.Stats()
	if st.Registrations != 2 {
		t.Errorf("stats %+v", st)
	}
}
