package worker_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/reqrep"
)

func TestInstanceCommands(t *testing.T) {
	cp := newFakeCP(t)
	w := startWorker(t, cp.workerConfig("worker-1"), nil)
	cli := commandClient(t, w)

	var a, again, gen api.Instance
	must(t, call(t, cli, api.InstancesCreate, api.CreateInstance{ID: "inst-a", Image: "nginx", Config: map[string]string{"cpu": "1"}}, &a))
	if a.ID != "inst-a" || a.Image != "nginx" || a.State != "running" || a.Node != "worker-1" || a.Config["cpu"] != "1" || a.CreatedAt.IsZero() {
		t.Errorf("created %+v", a)
	}
	// The same id again, even with other data, returns the instance unchanged.
	must(t, call(t, cli, api.InstancesCreate, api.CreateInstance{ID: "inst-a", Image: "redis"}, &again))
	if again.Image != "nginx" || !again.CreatedAt.Equal(a.CreatedAt) || again.Config["cpu"] != "1" {
		t.Errorf("create again returned %+v, want %+v", again, a)
	}
	must(t, call(t, cli, api.InstancesCreate, api.CreateInstance{Image: "redis"}, &gen))
	if !strings.HasPrefix(gen.ID, "inst-") || gen.ID == "inst-a" || gen.Image != "redis" {
		t.Errorf("created without id: %+v", gen)
	}

	var list api.InstanceList
	must(t, call(t, cli, api.InstancesList, nil, &list))
	if len(list.Instances) != 2 {
		t.Fatalf("list %+v, want 2 instances", list)
	}
	var health api.WorkerHealth
	must(t, call(t, cli, api.Health, nil, &health))
	if health.NodeID != "worker-1" || health.Status != api.StatusOnline || health.Instances != 2 {
		t.Errorf("health %+v", health)
	}
	checkResources(t, "health", health.Resources)

	for _, tc := range []struct {
		id   string
		want bool
	}{{"inst-a", true}, {"inst-a", false}, {"inst-never", false}} {
		var res api.DeleteResult
		must(t, call(t, cli, api.InstancesDelete, api.DeleteInstance{ID: tc.id}, &res))
		if res.ID != tc.id || res.Deleted != tc.want {
			t.Errorf("delete %s: %+v, want deleted=%v", tc.id, res, tc.want)
		}
	}
	must(t, call(t, cli, api.InstancesList, nil, &list))
	if len(list.Instances) != 1 || list.Instances[0].ID != gen.ID {
		t.Errorf("list after delete %+v", list)
	}
	if st := w.Stats(); st.Instances != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestInstanceBadRequests(t *testing.T) {
	cp := newFakeCP(t)
	w := startWorker(t, cp.workerConfig("worker-1"), nil)
	cli := commandClient(t, w)
	for _, tc := range []struct {
		name, endpoint string
		in             any
		want           string
	}{
		{"create without data", api.InstancesCreate, nil, "no data"},
		{"create unknown field", api.InstancesCreate, map[string]any{"image": "x", "size": 3}, "unknown field"},
		{"create wrong type", api.InstancesCreate, map[string]any{"image": 7}, "cannot unmarshal"},
		{"create without image", api.InstancesCreate, api.CreateInstance{ID: "inst-b"}, "image: required"},
		{"delete without id", api.InstancesDelete, api.DeleteInstance{}, "instance_id: required"},
		{"unknown endpoint", "/instances/resize", api.DeleteInstance{ID: "x"}, "unknown endpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := call(t, cli, tc.endpoint, tc.in, nil)
			if !errors.Is(err, reqrep.ErrRemote) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error reply with %q", err, tc.want)
			}
		})
	}
	var list api.InstanceList
	must(t, call(t, cli, api.InstancesList, nil, &list))
	if len(list.Instances) != 0 {
		t.Errorf("bad requests left instances: %+v", list)
	}
}

// With a state file, a worker started again has the instances it had, and
// registers with them so the control plane can reconcile.
func TestInstancesPersist(t *testing.T) {
	cp := newFakeCP(t)
	cfg := cp.workerConfig("worker-1")
	cfg.Instances.StateFile = filepath.Join(t.TempDir(), "state.json")

	w := startWorker(t, cfg, nil)
	cli := commandClient(t, w)
	for _, id := range []string{"inst-1", "inst-2", "inst-3"} {
		must(t, call(t, cli, api.InstancesCreate, api.CreateInstance{ID: id, Image: "nginx"}, nil))
	}
	must(t, call(t, cli, api.InstancesDelete, api.DeleteInstance{ID: "inst-2"}, nil))
	must(t, w.Close())
	must(t, cli.Close())

	w2 := startWorker(t, cfg, nil)
	var list api.InstanceList
	must(t, call(t, commandClient(t, w2), api.InstancesList, nil, &list))
	if len(list.Instances) != 2 || list.Instances[0].ID != "inst-1" || list.Instances[1].ID != "inst-3" ||
		list.Instances[0].Image != "nginx" || list.Instances[0].State != "running" {
		t.Fatalf("after restart: %+v", list)
	}
	waitRegistrations(t, cp, 2)
	if got := cp.lastRegister().Instances; strings.Join(got, ",") != "inst-1,inst-3" {
		t.Errorf("registered again with %v", got)
	}
}

func waitRegistrations(t *testing.T, cp *fakeCP, n int) {
	t.Helper()
	testkit.Eventually(t, wait, func() bool { r, _, _ := cp.counts(); return r >= n }, "fewer than %d registrations", n)
}
