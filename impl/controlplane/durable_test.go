package controlplane_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/clock"
	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/pipeline"
)

// durableConfig is testConfig with a data_dir and a lease long enough
// that nothing is redelivered unless a test means it.
func durableConfig(dir string, lease time.Duration) controlplane.Config {
	cfg := testConfig(time.Second, 30*time.Second)
	cfg.DataDir = dir
	cfg.Tasks.Lease = config.Seconds(lease)
	return cfg
}

// connected waits until n workers are on the task pipeline of cp.
func connected(t *testing.T, cp *controlplane.ControlPlane, n int) {
	t.Helper()
	testkit.Eventually(t, wait, func() bool {
		return socket(cp, "controlplane/tasks").Connections == int64(n) && socket(cp, "controlplane/results").Connections == int64(n)
	}, "%d workers never connected to the task pipeline", n)
}

// Everything the control plane accepted or decided survives a restart on
// the same data_dir: instances where they were placed, the config version
// and its history, the task counters, the tasks not completed and the
// leases they were under, so that the worker holding one completes it
// with its result after the restart.
func TestDurableStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := durableConfig(dir, 30*time.Second)
	cp1, _ := start(t, cfg, controlplane.Options{})
	w1 := newFake(t, "w1", cp1, fakeOpts{interval: 100 * time.Millisecond})
	connected(t, cp1, 1)
	var insts []api.Instance
	for range 3 {
		in, err := cp1.CreateInstance(context.Background(), api.CreateInstance{Image: "nginx"})
		if err != nil {
			t.Fatal(err)
		}
		insts = append(insts, in)
	}
	slices.SortFunc(insts, func(a, b api.Instance) int { return strings.Compare(a.ID, b.ID) })
	for _, v := range []map[string]string{{"a": "1"}, {"b": "2"}} {
		if _, err := cp1.SetConfig(context.Background(), v); err != nil {
			t.Fatal(err)
		}
	}
	done := makeTasks("done", 40)
	if err := cp1.SubmitTasks(done); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, wait, func() bool { return cp1.TaskStats().Completed == 40 }, "stats %+v", cp1.TaskStats())
	w1.swallow.Store(true)
	held := makeTasks("held", 60)
	if err := cp1.SubmitTasks(held); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, wait, func() bool { n, _ := w1.receivedCount(); return n == 100 }, "w1 never got the held tasks")
	tokens := map[string]string{}
	for _, task := range held {
		tokens[task.ID] = w1.token(task.ID)
	}
	w1.stop()
	if err := cp1.Close(); err != nil {
		t.Fatal(err)
	}

	cp2, rec2 := start(t, cfg, controlplane.Options{})
	if got := cp2.Instances(); !slices.EqualFunc(got, insts, sameInstance) {
		t.Errorf("instances after restart:\n got %+v\nwant %+v", got, insts)
	}
	if snap := cp2.Config(); snap.Version != 2 || snap.Values["a"] != "1" || snap.Values["b"] != "2" {
		t.Errorf("config after restart: %+v", snap)
	}
	hist, err := cp2.ConfigHistory(0, 0)
	if err != nil || len(hist) != 2 || hist[0].Version != 1 || len(hist[0].Values) != 1 || hist[1].Version != 2 {
		t.Errorf("config history after restart: %+v, %v", hist, err)
	}
	if s := cp2.TaskStats(); s.Accepted != 100 || s.Completed != 40 || s.Pending != 60 {
		t.Errorf("task stats after restart: %+v", s)
	}
	nodes := cp2.Nodes()
	if len(nodes) != 1 || nodes[0].ID != "w1" || nodes[0].Status != api.StatusOnline || len(nodes[0].Instances) != 3 {
		t.Errorf("nodes after restart: %+v", nodes)
	}

	// w1 comes back with its instances and answers from before the restart.
	ids := make([]string, len(insts))
	for i, in := range insts {
		ids[i] = in.ID
	}
	newFake(t, "w1", cp2, fakeOpts{interval: 100 * time.Millisecond, instances: ids, noTasks: true})
	results := make([]api.TaskResult, len(held))
	for i, task := range held {
		results[i] = api.TaskResult{TaskID: task.ID, NodeID: "w1", Lease: tokens[task.ID], Output: task.Payload}
	}
	pushResults(t, cp2, results)
	testkit.Eventually(t, wait, func() bool { return cp2.TaskStats().Completed == 100 }, "stats %+v", cp2.TaskStats())
	if s := cp2.TaskStats(); s.Pending != 0 || s.Rejected != 0 || s.Dispatches != 0 {
		t.Errorf("stats %+v: the held tasks should complete from their old leases, none dispatched again", s)
	}
	if got := cp2.Instances(); !slices.EqualFunc(got, insts, sameInstance) {
		t.Errorf("instances once w1 registered again:\n got %+v\nwant %+v", got, insts)
	}
	if n := len(rec2.of(controlplane.InstanceMigrated, nil)) + len(rec2.of(controlplane.InstanceReconciled, nil)); n != 0 {
		t.Errorf("%d instances moved or reconciled; none should", n)
	}
}

func sameInstance(a, b api.Instance) bool {
	return a.ID == b.ID && a.Image == b.Image && a.Node == b.Node && a.CreatedAt.Equal(b.CreatedAt)
}

// pushResults sends one result batch to cp's result socket, as a worker.
func pushResults(t *testing.T, cp *controlplane.ControlPlane, results []api.TaskResult) {
	t.Helper()
	p, err := pipeline.NewPusher(pipeline.PusherConfig{Name: "forger"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Dial(cp.Addresses()["results"]); err != nil {
		t.Fatal(err)
	}
	data, err := api.EncodeResults(api.ResultBatch{Results: results})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, err := p.PushTask(ctx, api.ResultEndpoint, data); err != nil {
		t.Fatal(err)
	}
	if err := p.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

// Tasks accepted while no worker is on the pipeline survive a restart and
// go out to the first worker after it; tasks whose lease ended while the
// control plane was down are dispatched again at once.
func TestDurableTasksDispatchedAfterRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := durableConfig(dir, 500*time.Millisecond)
	cp1, _ := start(t, cfg, controlplane.Options{})
	w1 := newFake(t, "w1", cp1, fakeOpts{interval: 100 * time.Millisecond})
	w1.swallow.Store(true)
	connected(t, cp1, 1)
	leased := makeTasks("leased", 20)
	if err := cp1.SubmitTasks(leased); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, wait, func() bool { n, _ := w1.receivedCount(); return n == 20 }, "w1 never got the tasks")
	w1.stop()
	testkit.Eventually(t, wait, func() bool { return socket(cp1, "controlplane/tasks").Connections == 0 }, "w1 still connected")
	queued := makeTasks("queued", 30)
	if err := cp1.SubmitTasks(queued); err != nil {
		t.Fatal(err)
	}
	if err := cp1.Close(); err != nil {
		t.Fatal(err)
	}

	// It comes back an hour later (a fake clock): every lease has ended.
	cp2, rec2 := start(t, cfg, controlplane.Options{Clock: clock.NewFake(time.Now().Add(time.Hour))})
	if s := cp2.TaskStats(); s.Accepted != 50 || s.Pending != 50 {
		t.Fatalf("stats after restart %+v", s)
	}
	newFake(t, "w2", cp2, fakeOpts{interval: 100 * time.Millisecond})
	completedOnce(t, rec2, append(leased, queued...))
	// The queued ones may have been leased too, to a push that found no
	// worker: those are redelivered as well.
	if s := cp2.TaskStats(); s.Completed != 50 || s.Pending != 0 || s.Redelivered < 20 {
		t.Errorf("stats %+v: want 50 completed, at least the 20 leased before the restart redelivered", s)
	}
}

// Results are counted only from the holder of the task's latest lease:
// a result for a task never accepted, or without the token the task's
// batch carried, or with another task's token, or with a lease since
// replaced, completes nothing and is counted, in TaskStats and in the
// metrics.
func TestForgedResultsRejected(t *testing.T) {
	for _, durable := range []bool{false, true} {
		t.Run(map[bool]string{false: "memory", true: "data_dir"}[durable], func(t *testing.T) {
			cfg := durableConfig("", 400*time.Millisecond)
			if durable {
				cfg.DataDir = t.TempDir()
			}
			reg := metrics.NewRegistry()
			cp, _ := start(t, cfg, controlplane.Options{Metrics: reg})
			a := newFake(t, "worker-a", cp, fakeOpts{interval: 100 * time.Millisecond})
			a.swallow.Store(true)
			connected(t, cp, 1)
			tasks := makeTasks("t", 3)
			if err := cp.SubmitTasks(tasks); err != nil {
				t.Fatal(err)
			}
			testkit.Eventually(t, wait, func() bool { n, _ := a.receivedCount(); return n == 3 }, "worker-a never got the tasks")
			first := a.token("t-0")
			forged := []api.TaskResult{
				{TaskID: "never-issued", NodeID: "worker-b", Lease: first},
				{TaskID: "never-issued-either", NodeID: "worker-b"},
				{TaskID: "t-0", NodeID: "worker-b"},                                            // no token
				{TaskID: "t-1", NodeID: "worker-a", Lease: first},                              // t-0's token
				{TaskID: "t-2", NodeID: "worker-a", Lease: "0000000000000001deadbeefdeadbeef"}, // made up
				{TaskID: "t-2", NodeID: "worker-b", Lease: "not hex"},
			}
			pushResults(t, cp, forged)
			testkit.Eventually(t, wait, func() bool { return cp.TaskStats().Rejected == uint64(len(forged)) },
				"stats %+v, want %d rejected", cp.TaskStats(), len(forged))
			if s := cp.TaskStats(); s.Completed != 0 || s.Pending != 3 || s.Duplicates != 0 {
				t.Fatalf("forged results completed something: %+v", s)
			}
			if got := counter(t, reg, "rejected_results"); got != float64(len(forged)) {
				t.Errorf("metric rejected_results = %v, want %d", got, len(forged))
			}

			// The leases end and the tasks go out again to worker-a: the
			// first lease's tokens are stale now, the new ones count.
			testkit.Eventually(t, wait, func() bool { _, d := a.receivedCount(); return d >= 6 }, "tasks never redelivered")
			stale := []api.TaskResult{{TaskID: "t-0", NodeID: "worker-a", Lease: first}}
			pushResults(t, cp, stale)
			testkit.Eventually(t, wait, func() bool { return cp.TaskStats().Stale == 1 }, "stats %+v, want 1 stale", cp.TaskStats())
			var real []api.TaskResult
			for _, task := range tasks {
				real = append(real, api.TaskResult{TaskID: task.ID, NodeID: "worker-a", Lease: a.token(task.ID)})
			}
			pushResults(t, cp, real)
			testkit.Eventually(t, wait, func() bool { return cp.TaskStats().Completed == 3 }, "stats %+v", cp.TaskStats())
			pushResults(t, cp, real[:1]) // a genuine duplicate stays a duplicate
			testkit.Eventually(t, wait, func() bool { return cp.TaskStats().Duplicates == 1 }, "stats %+v", cp.TaskStats())
			if s := cp.TaskStats(); s.Rejected != uint64(len(forged)) || s.Stale != 1 || s.Pending != 0 {
				t.Errorf("stats %+v", s)
			}
			if got := counter(t, reg, "stale_results"); got != 1 {
				t.Errorf("metric stale_results = %v, want 1", got)
			}
		})
	}
}

// counter reads nngbench_controlplane_tasks_total{what=what}.
func counter(t *testing.T, reg *metrics.Registry, what string) float64 {
	t.Helper()
	families, err := reg.Prometheus().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "nngbench_controlplane_tasks_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "what" && l.GetValue() == what {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no nngbench_controlplane_tasks_total{what=%q}", what)
	return 0
}

// A data_dir that another control plane holds, or whose file is not a
// store, stops Start with an error naming it; nothing is bound.
func TestDataDirErrors(t *testing.T) {
	held := t.TempDir()
	start(t, durableConfig(held, time.Second), controlplane.Options{})
	garbage := t.TempDir()
	if err := os.WriteFile(filepath.Join(garbage, "controlplane.db"), []byte("not a database, not at all, not even close to one"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir, want string
	}{
		{"held by another", held, "locked by another process"},
		{"not a store", garbage, "controlplane.db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cp, err := controlplane.New(durableConfig(tc.dir, time.Second), controlplane.Options{})
			if err != nil {
				t.Fatal(err)
			}
			err = cp.Start(context.Background())
			if !errors.Is(err, controlplane.ErrStore) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Start: %v; want a store error naming %q", err, tc.want)
			}
			if len(cp.Addresses()) != 0 {
				t.Errorf("addresses bound: %v", cp.Addresses())
			}
			if err := cp.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
}

// After a restart the nodes it knew get the heartbeat timeout to register
// again: one that does keeps its instances, one that does not goes
// offline and its instances move to the one that came back.
func TestDurableRestoredNodeThatNeverReturns(t *testing.T) {
	dir := t.TempDir()
	cfg := durableConfig(dir, 30*time.Second)
	cfg.Messaging.HeartbeatInterval = config.Seconds(100 * time.Millisecond)
	cfg.Messaging.HeartbeatTimeout = config.Seconds(time.Second)
	cp1, _ := start(t, cfg, controlplane.Options{})
	opts := fakeOpts{interval: 100 * time.Millisecond, noTasks: true}
	w1, w2 := newFake(t, "w1", cp1, opts), newFake(t, "w2", cp1, opts)
	for range 4 {
		if _, err := cp1.CreateInstance(context.Background(), api.CreateInstance{Image: "nginx"}); err != nil {
			t.Fatal(err)
		}
	}
	if len(nodeByID(cp1, "w1").Instances) != 2 || len(nodeByID(cp1, "w2").Instances) != 2 {
		t.Fatalf("nodes %+v: want 2 instances each", cp1.Nodes())
	}
	kept := w2.instanceIDs()
	w1.stop()
	w2.stop()
	if err := cp1.Close(); err != nil {
		t.Fatal(err)
	}

	cp2, rec := start(t, cfg, controlplane.Options{})
	newFake(t, "w2", cp2, fakeOpts{interval: 100 * time.Millisecond, noTasks: true, instances: kept})
	testkit.Eventually(t, wait, func() bool { return len(nodeByID(cp2, "w2").Instances) == 4 },
		"w1's instances never moved to w2: %+v", cp2.Nodes())
	if n := nodeByID(cp2, "w1"); n.Status != api.StatusOffline {
		t.Errorf("w1 %+v: want offline", n)
	}
	off := rec.of(controlplane.NodeOffline, nil)
	if len(off) != 1 || off[0].Node != "w1" {
		t.Errorf("offline events %v: want w1 only", off)
	}
	moved := rec.of(controlplane.InstanceMigrated, nil)
	if len(moved) != 2 {
		t.Errorf("%d instances migrated, want w1's 2", len(moved))
	}
	for _, e := range moved {
		if slices.Contains(kept, e.Instance) {
			t.Errorf("w2's own instance %s moved", e.Instance)
		}
	}
}
