package check_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/check"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/impl/api"
)

// twoWorkers: i-1 on worker-1, i-2 on worker-2, both held where placed.
func twoWorkers() *fake {
	f := newFake()
	f.nodes = map[string]string{"worker-1": api.StatusOnline, "worker-2": api.StatusOnline}
	f.placed = map[string]string{"i-1": "worker-1", "i-2": "worker-2"}
	f.held = map[string][]string{"worker-1": {"i-1"}, "worker-2": {"i-2"}}
	return f
}

func TestInstances(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(f *fake)
		count  string // the count that must be 1 when not ok
		detail string
	}{
		{"consistent", func(*fake) {}, "", ""},
		{"held twice", func(f *fake) { f.held["worker-2"] = append(f.held["worker-2"], "i-1") }, "duplicated", "duplicated: i-1@worker-1+worker-2"},
		{"unknown to the registry", func(f *fake) { f.held["worker-1"] = append(f.held["worker-1"], "i-9") }, "orphaned", "unknown to the control plane: i-9@worker-1"},
		{"missing where placed", func(f *fake) { f.held["worker-2"] = nil }, "missing", "missing: i-2@worker-2"},
		{"placed on an offline node", func(f *fake) { f.nodes["worker-2"] = api.StatusOffline }, "on_offline_node", "on an offline node: i-2@worker-2"},
		{"a worker not back", func(f *fake) {
			f.nodes["worker-2"] = api.StatusOffline
			f.placed["i-2"] = "worker-1"
			f.held["worker-1"] = []string{"i-1", "i-2"}
		},
			"workers_offline", "workers not back online: worker-2"},
		{"on the wrong node", func(f *fake) { f.held["worker-1"], f.held["worker-2"] = []string{"i-1", "i-2"}, nil }, "stray", "on the wrong node: i-2@worker-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := twoWorkers()
			f.set(tc.change)
			c := check.Instances(t.Context(), f, 120*time.Millisecond)
			if ok := tc.count == ""; c.OK != ok {
				t.Fatalf("ok = %v, want %v: %+v", c.OK, ok, c)
			}
			if c.Counts["instances"] != 2 {
				t.Errorf("instances = %d, want 2", c.Counts["instances"])
			}
			if tc.count != "" && (c.Counts[tc.count] != 1 || !strings.Contains(c.Detail, tc.detail)) {
				t.Errorf("counts %v, detail %q: want %s = 1 and %q", c.Counts, c.Detail, tc.count, tc.detail)
			}
		})
	}
}

// TestInstancesWaitsForMigration: an inconsistency that resolves (a
// migration finishing) passes, with the wait reported.
func TestInstancesWaitsForMigration(t *testing.T) {
	f := twoWorkers()
	f.set(func(f *fake) { f.nodes["worker-2"] = api.StatusOffline })
	go func() {
		// The control plane moves i-2 once the check has looked a few times.
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		<-tick.C
		f.set(func(f *fake) { f.placed["i-2"] = "worker-1"; f.held["worker-1"] = []string{"i-1", "i-2"} })
	}()
	c := check.Instances(t.Context(), f, 5*time.Second, "worker-2") // killed for good
	if !c.OK || c.WaitS == nil || *c.WaitS < 0.050 {
		t.Fatalf("%+v: want ok after waiting for the migration", c)
	}
}

func TestConfig(t *testing.T) {
	f := twoWorkers()
	f.set(func(f *fake) { f.latest, f.versions = 3, map[string]uint64{"worker-1": 3, "worker-2": 2} })
	c, _ := check.Config(t.Context(), f, 120*time.Millisecond)
	if c.OK || c.Counts["behind"] != 1 || !strings.Contains(c.Detail, "worker-2 at 2") {
		t.Fatalf("%+v: want worker-2 reported behind", c)
	}
	f.set(func(f *fake) { f.nodes["worker-2"] = api.StatusOffline })
	if c, _ := check.Config(t.Context(), f, 120*time.Millisecond); c.OK || !strings.Contains(c.Detail, "worker-2 offline") {
		t.Fatalf("%+v: a worker not back online is behind", c)
	}
	if c, took := check.Config(t.Context(), f, time.Second, "worker-2"); !c.OK || took > time.Second { // gone: not asked
		t.Fatalf("%+v after %v: want ok", c, took)
	}
	f.set(func(f *fake) { f.nodes["worker-2"] = api.StatusOnline; f.down["worker-2"] = true })
	if c, _ := check.Config(t.Context(), f, 120*time.Millisecond); c.OK || !strings.Contains(c.Detail, "timed out") {
		t.Fatalf("%+v: an online worker that does not answer is behind", c)
	}
}

func TestTasks(t *testing.T) {
	for _, tc := range []struct {
		name     string
		stats    api.TaskStats
		journals map[string][]string
		ok       bool
		detail   string
	}{
		{"all done once", api.TaskStats{Accepted: 3, Completed: 3, Redelivered: 1},
			map[string][]string{"worker-1": {"t1", "t2"}, "worker-2": {"t3"}}, true, ""},
		{"executed twice", api.TaskStats{Accepted: 3, Completed: 3},
			map[string][]string{"worker-1": {"t1", "t2"}, "worker-2": {"t2", "t3"}}, false, "executed twice: t2"},
		{"one lost", api.TaskStats{Accepted: 3, Completed: 2, Pending: 1},
			map[string][]string{"worker-1": {"t1", "t2"}}, false, "2 of 3 accepted completed, 1 pending"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := twoWorkers()
			f.stats, f.journals = tc.stats, tc.journals
			c, err := check.Tasks(context.Background(), f, 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if c.OK != tc.ok || c.Detail != tc.detail {
				t.Fatalf("%+v: want ok %v, detail %q", c, tc.ok, tc.detail)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	if c := check.Messages(result.Workload{Name: "w", Sent: 10, Received: 10, Reordered: 2}); !c.OK || c.Counts["reordered"] != 2 {
		t.Errorf("reordering alone: %+v, want ok", c)
	}
	if c := check.Messages(result.Workload{Name: "w", Sent: 10, Received: 8, Lost: 2}); c.OK || c.Name != "messages/w" ||
		c.Detail != "2 lost, 0 duplicated of 10 sent" {
		t.Errorf("loss: %+v", c)
	}
}
