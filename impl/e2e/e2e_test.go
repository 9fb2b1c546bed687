package e2e_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/internal/testbin"
	"github.com/nngbench/nngbench/internal/wait"
)

func TestMain(m *testing.M) { testbin.Main(m, &binDir, "controlplane", "worker") }

// A SIGKILLed worker is marked offline within the heartbeat timeout plus
// one interval, its instances are re-created on the others, none lost; when
// it comes back with its old instances, the stale copies are deleted, so
// every instance lives on exactly one node.
func TestKilledWorkerInstancesMigrate(t *testing.T) {
	c := newCluster(t)
	all := []string{"worker-1", "worker-2", "worker-3"}
	for _, name := range all {
		c.addWorker(name, workerOpts{stateFile: true})
	}
	wait.Until(t, 10*time.Second, "3 workers online", func() bool { return c.onlineCount() == 3 })
	for range 30 {
		var in api.Instance
		c.mustCall("admin", api.AdminCreateInstance, api.CreateInstance{Image: "nginx:1.27"}, &in)
	}
	if err := c.onExactlyOne(30, all...); err != nil {
		t.Fatal(err)
	}
	for name, n := range c.nodes() {
		if len(n.Instances) != 10 {
			t.Fatalf("%s has %d instances, want 10 of 30 on 3 nodes", name, len(n.Instances))
		}
	}

	c.workers["worker-2"].kill()
	took := wait.Until(t, 10*time.Second, "worker-2 offline", func() bool {
		return c.nodes()["worker-2"].Status == api.StatusOffline
	})
	t.Logf("worker-2 marked offline %v after SIGKILL (timeout %v, interval %v)", took, timeout, interval)
	if took > timeout+interval {
		t.Errorf("offline after %v, more than timeout + interval = %v", took, timeout+interval)
	}
	wait.Until(t, 10*time.Second, "instances re-created on worker-1 and worker-3", func() bool {
		return c.onExactlyOne(30, "worker-1", "worker-3") == nil
	})

	stale := stateIDs(t, c.dir+"/worker-2.state.json")
	if len(stale) != 10 {
		t.Fatalf("worker-2's state file holds %d instances, want its 10 (the test needs stale copies)", len(stale))
	}
	c.workers["worker-2"].restart("worker")
	c.repeer("worker-2", c.workers["worker-2"])
	wait.Until(t, 10*time.Second, "worker-2 back, stale copies deleted", func() bool {
		return c.nodes()["worker-2"].Status == api.StatusOnline && c.onExactlyOne(30, all...) == nil
	})
}

// stateIDs returns the instance ids ("inst-...") in a worker's state file,
// whatever its layout.
func stateIDs(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if strings.HasPrefix(v, "inst-") {
				ids[v] = true
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for k, x := range v {
				walk(k)
				walk(x)
			}
		}
	}
	walk(doc)
	return ids
}

// 1,000 tasks while a worker is SIGKILLed mid-stream: all complete, and no
// task is executed twice, counting executions on the workers (their
// journals), not acknowledgements.
func TestTasksSurviveWorkerKill(t *testing.T) {
	c := newCluster(t)
	all := []string{"worker-1", "worker-2", "worker-3"}
	for _, name := range all {
		c.addWorker(name, workerOpts{journal: true})
	}
	wait.Until(t, 10*time.Second, "3 workers online", func() bool { return c.onlineCount() == 3 })
	const n = 1000
	tasks := make([]api.Task, n)
	for i := range tasks {
		tasks[i] = api.Task{ID: fmt.Sprintf("task-%04d", i), Kind: api.TaskSleep, SleepMS: 3, Payload: "p"}
	}
	var sub api.TaskSubmitted
	c.mustCall("admin", api.AdminTasksSubmit, tasks, &sub)
	if sub.Accepted != n {
		t.Fatalf("accepted %d of %d", sub.Accepted, n)
	}
	stats := func() api.TaskStats {
		var s api.TaskStats
		c.mustCall("admin", api.AdminTasksStatus, nil, &s)
		return s
	}
	wait.Until(t, 30*time.Second, "a first share done", func() bool { return stats().Completed >= n/5 })
	c.workers["worker-2"].kill()
	wait.Until(t, 60*time.Second, "all tasks complete", func() bool { return stats().Completed == n })
	s := stats()
	if s.Accepted != n || s.Completed != n || s.Pending != 0 {
		t.Fatalf("stats %+v", s)
	}
	executed := map[string]int{}
	for _, name := range all {
		for _, id := range journal(t, c.journal(name)) {
			executed[id]++
		}
	}
	twice := 0
	for id, k := range executed {
		if k > 1 {
			twice++
			t.Errorf("task %s executed %d times", id, k)
		}
	}
	t.Logf("completed %d, journaled executions %d distinct, executed twice %d, redelivered %d, duplicate results %d",
		s.Completed, len(executed), twice, s.Redelivered, s.Duplicates)
	if len(executed) < n-64 || len(executed) > n {
		// A SIGKILL between a result reaching the wire and the journal line
		// loses at most that batch's lines; anything more is a bug.
		t.Errorf("%d distinct tasks in the journals, want about %d", len(executed), n)
	}
}

func journal(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			ids = append(ids, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// A config update published while one worker's subscription is cut: that
// worker reports the latest version once the link is back.
func TestConfigConvergesAfterSubscriptionCut(t *testing.T) {
	c := newCluster(t)
	proxy := newCutProxy(t, strings.TrimPrefix(c.cp.Ready.Addresses["pub"], "tcp://"))
	c.addWorker("worker-1", workerOpts{})
	c.addWorker("worker-2", workerOpts{subAddress: proxy.Addr()})
	wait.Until(t, 10*time.Second, "2 workers online", func() bool { return c.onlineCount() == 2 })
	version := func(worker string) uint64 {
		var snap api.ConfigSnapshot
		c.mustCall(worker, api.ConfigGet, nil, &snap)
		return snap.Version
	}
	var v1, v2 api.ConfigSnapshot
	c.mustCall("admin", api.AdminConfigSet, api.ConfigSet{Values: map[string]string{"log_level": "debug"}}, &v1)
	wait.Until(t, 10*time.Second, "both at the first version", func() bool {
		return version("worker-1") == v1.Version && version("worker-2") == v1.Version
	})

	proxy.setCut(true)
	c.mustCall("admin", api.AdminConfigSet, api.ConfigSet{Values: map[string]string{"log_level": "info", "quota": "7"}}, &v2)
	wait.Until(t, 10*time.Second, "worker-1 at the second version", func() bool { return version("worker-1") == v2.Version })
	proxy.setCut(false)
	wait.Until(t, 10*time.Second, "worker-2 at the second version", func() bool { return version("worker-2") == v2.Version })
	var snap api.ConfigSnapshot
	c.mustCall("worker-2", api.ConfigGet, nil, &snap)
	if snap.Values["quota"] != "7" || snap.Values["log_level"] != "info" {
		t.Fatalf("worker-2 config %+v", snap)
	}
}
