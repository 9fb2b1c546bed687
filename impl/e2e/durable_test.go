package e2e_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/internal/wait"
)

// The control plane SIGKILLed in the middle of 10,000 tasks and started
// again 1 s later on the same data_dir: every task completes (counted
// from the workers' journals, not the control plane's counters), none is
// lost, and the instances (where they live) and the config version are
// what they were, without a migration.
func TestControlPlaneKilledMidTasks(t *testing.T) {
	// ipc sockets at fixed paths, so that the restarted control plane is
	// where the workers look for it, without choosing a tcp port. Short
	// paths: a Unix socket's path has at most 107 bytes.
	dir, err := os.MkdirTemp("", "cpkill-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg := controlPlaneConfig()
	m := cfg["messaging"].(map[string]any)
	for _, k := range []string{"bind", "pub", "task", "result", "admin"} {
		m[k+"_address"] = "ipc://" + filepath.Join(dir, k)
	}
	// A restored node has the whole timeout to register again.
	m["heartbeat_timeout_seconds"] = 3
	cfg["tasks"] = map[string]any{"lease_seconds": 3, "batch_size": 32}
	cfg["data_dir"] = filepath.Join(dir, "data")
	c := newClusterFrom(t, dir, cfg)
	all := []string{"worker-1", "worker-2", "worker-3"}
	for _, name := range all {
		c.addWorker(name, workerOpts{journal: true})
	}
	wait.Until(t, 10*time.Second, "3 workers online", func() bool { return c.onlineCount() == 3 })

	for range 6 {
		var in api.Instance
		c.mustCall("admin", api.AdminCreateInstance, api.CreateInstance{Image: "nginx:1.27"}, &in)
	}
	var cfgSet api.ConfigSnapshot
	for _, v := range []map[string]string{{"quota": "5"}, {"quota": "7", "log_level": "debug"}} {
		c.mustCall("admin", api.AdminConfigSet, api.ConfigSet{Values: v}, &cfgSet)
	}
	_, before := c.placement(all...)
	if err := c.onExactlyOne(6, all...); err != nil {
		t.Fatal(err)
	}

	const n = 10_000
	ids := make([]string, n)
	for i := 0; i < n; i += 1000 {
		tasks := make([]api.Task, 1000)
		for j := range tasks {
			ids[i+j] = fmt.Sprintf("task-%05d", i+j)
			tasks[j] = api.Task{ID: ids[i+j], Kind: api.TaskSleep, SleepMS: 1, Payload: "p"}
		}
		var sub api.TaskSubmitted
		c.mustCall("admin", api.AdminTasksSubmit, tasks, &sub)
		if sub.Accepted != len(tasks) {
			t.Fatalf("accepted %d of %d", sub.Accepted, len(tasks))
		}
	}
	stats := func() (api.TaskStats, error) {
		var s api.TaskStats
		err := c.call("admin", api.AdminTasksStatus, nil, &s)
		return s, err
	}
	var atKill api.TaskStats
	wait.Until(t, 60*time.Second, "a fifth done", func() bool {
		atKill, err = stats()
		return err == nil && atKill.Completed >= n/5
	})
	c.cp.kill()
	if atKill.Completed >= n {
		t.Fatalf("every task completed before the kill: %+v", atKill)
	}
	time.Sleep(time.Second) // down for 1 s: the scenario, not a wait for something
	c.cp.restart("controlplane")

	// What it knew is back at once, before the workers have registered.
	_, after := c.placement()
	if !maps.Equal(after, before) {
		t.Errorf("instances after restart:\n got %v\nwant %v", after, before)
	}
	var snap api.ConfigSnapshot
	c.mustCall("admin", api.ConfigLatest, nil, &snap)
	if snap.Version != cfgSet.Version || !maps.Equal(snap.Values, cfgSet.Values) {
		t.Errorf("config after restart %+v, want %+v", snap, cfgSet)
	}
	// Completions are stored without being waited for: the last few
	// before the kill may be missing, and those tasks are pending again.
	s, err := stats()
	if err != nil || s.Accepted != n || s.Completed+s.Pending != n {
		t.Errorf("task stats after restart %+v (%v); at the kill %+v", s, err, atKill)
	}
	t.Logf("completed at the kill %d, just after the restart %d", atKill.Completed, s.Completed)

	wait.Until(t, 60*time.Second, "all tasks complete", func() bool {
		s, err = stats()
		return err == nil && s.Completed == n
	})
	if s.Accepted != n || s.Pending != 0 || s.Rejected != 0 {
		t.Errorf("stats %+v", s)
	}
	executed := map[string]int{}
	for _, name := range all {
		for _, id := range journal(t, c.journal(name)) {
			executed[id]++
		}
	}
	var lost []string
	for _, id := range ids {
		if executed[id] == 0 {
			lost = append(lost, id)
		}
	}
	twice := 0
	for _, k := range executed {
		if k > 1 {
			twice++
		}
	}
	t.Logf("at the kill %+v; at the end %+v; %d distinct tasks journaled, %d executed more than once",
		atKill, s, len(executed), twice)
	if len(lost) > 0 {
		t.Errorf("%d tasks in no worker's journal, e.g. %v", len(lost), lost[:min(5, len(lost))])
	}
	if len(executed) != n {
		t.Errorf("%d distinct tasks journaled, want %d", len(executed), n)
	}

	wait.Until(t, 10*time.Second, "every worker registered again", func() bool { return c.onlineCount() == 3 })
	if err := c.onExactlyOne(6, all...); err != nil {
		t.Error(err)
	}
	if _, now := c.placement(all...); !maps.Equal(now, before) {
		t.Errorf("instances moved: %v, were %v", now, before)
	}
	nodes := slices.Sorted(maps.Keys(c.nodes()))
	if !slices.Equal(nodes, all) {
		t.Errorf("nodes %v, want %v", nodes, all)
	}
	for _, name := range all {
		var got api.ConfigSnapshot
		c.mustCall(name, api.ConfigGet, nil, &got)
		if got.Version != cfgSet.Version {
			t.Errorf("%s at config version %d, want %d", name, got.Version, cfgSet.Version)
		}
	}
}
