package controlplane_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/retry"
)

// client returns a reqrep client with one peer, "cp", at addr.
func client(t *testing.T, addr string) *reqrep.Client {
	t.Helper()
	c, err := reqrep.NewClient(reqrep.ClientConfig{Name: "tester", Timeout: wait, Retry: retry.Policy{MaxRetries: retry.Disabled}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.AddPeer("cp", addr); err != nil {
		t.Fatal(err)
	}
	return c
}

// ask calls endpoint with in and decodes the reply into out.
func ask(t *testing.T, c *reqrep.Client, endpoint string, in, out any) error {
	t.Helper()
	var data json.RawMessage
	if in != nil {
		data, _ = json.Marshal(in)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	resp, err := c.Call(ctx, "cp", endpoint, data)
	if err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(resp.Data, out); err != nil {
			t.Fatalf("%s: reply %s: %v", endpoint, resp.Data, err)
		}
	}
	return nil
}

// Config versions go out in order, and the latest is served to workers.
func TestConfigBroadcast(t *testing.T) {
	cp, rec := start(t, testConfig(time.Second, 10*time.Second), controlplane.Options{})
	sub := subscribe(t, cp, "config.")
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		snap, err := cp.SetConfig(ctx, map[string]string{"k": fmt.Sprint(i), fmt.Sprint("key", i): "x"})
		if err != nil || snap.Version != uint64(i) {
			t.Fatalf("set %d: %+v, %v", i, snap, err)
		}
	}
	for i := 1; i <= 5; i++ {
		e := recv(t, sub)
		var snap api.ConfigSnapshot
		if err := json.Unmarshal(e.Data, &snap); err != nil || e.Endpoint != api.TopicConfigUpdate {
			t.Fatalf("got %s %s: %v", e.Endpoint, e.Data, err)
		}
		// Each version holds every key set so far.
		if snap.Version != uint64(i) || snap.Values["k"] != fmt.Sprint(i) || len(snap.Values) != i+1 {
			t.Errorf("broadcast %d: %+v", i, snap)
		}
	}
	for _, addr := range []string{cp.Addresses()["bind"], cp.Addresses()["admin"]} {
		var latest api.ConfigSnapshot
		if err := ask(t, client(t, addr), api.ConfigLatest, nil, &latest); err != nil || latest.Version != 5 || latest.Values["k"] != "5" {
			t.Errorf("%s: latest %+v, %v", addr, latest, err)
		}
	}
	if n := len(rec.of(controlplane.ConfigPublished, nil)); n != 5 {
		t.Errorf("%d published events, want 5", n)
	}
	for _, bad := range []map[string]string{nil, {"": "x"}} {
		if _, err := cp.SetConfig(ctx, bad); !errors.Is(err, controlplane.ErrBadRequest) {
			t.Errorf("set %v: %v", bad, err)
		}
	}
	if v := cp.Config().Version; v != 5 {
		t.Errorf("a refused set changed the version to %d", v)
	}
}

// Every admin endpoint answers, and errors come back as error replies.
func TestAdminAPI(t *testing.T) {
	cp, _ := start(t, testConfig(time.Second, 10*time.Second), controlplane.Options{})
	// No task pipeline: submitted tasks stay pending.
	w := newFake(t, "w1", cp, fakeOpts{interval: time.Second, noTasks: true})
	c := client(t, cp.Addresses()["admin"])

	var inst api.Instance
	if err := ask(t, c, api.AdminCreateInstance, api.CreateInstance{Image: "nginx"}, &inst); err != nil || inst.Node != "w1" || !strings.HasPrefix(inst.ID, "inst-") {
		t.Fatalf("create: %+v, %v", inst, err)
	}
	var nodes []api.Node
	if err := ask(t, c, api.AdminNodes, nil, &nodes); err != nil || len(nodes) != 1 || nodes[0].Status != api.StatusOnline || len(nodes[0].Instances) != 1 {
		t.Errorf("nodes: %+v, %v", nodes, err)
	}
	var insts []api.Instance
	if err := ask(t, c, api.AdminInstances, nil, &insts); err != nil || len(insts) != 1 || insts[0].ID != inst.ID {
		t.Errorf("instances: %+v, %v", insts, err)
	}
	var snap metrics.Snapshot
	if err := ask(t, c, api.AdminSockets, nil, &snap); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"controlplane", "controlplane/admin", "controlplane/pub", "controlplane/tasks", "controlplane/results", "controlplane->w1"} {
		if _, ok := snap.Socket(name); !ok {
			t.Errorf("no socket %s in %+v", name, snap.Sockets)
		}
	}
	var cfg api.ConfigSnapshot
	if err := ask(t, c, api.AdminConfigSet, api.ConfigSet{Values: map[string]string{"a": "1"}}, &cfg); err != nil || cfg.Version != 1 {
		t.Errorf("config set: %+v, %v", cfg, err)
	}
	var sub api.TaskSubmitted
	if err := ask(t, c, api.AdminTasksSubmit, makeTasks("a", 3), &sub); err != nil || sub.Accepted != 3 {
		t.Errorf("submit: %+v, %v", sub, err)
	}
	var stats api.TaskStats
	if err := ask(t, c, api.AdminTasksStatus, nil, &stats); err != nil || stats.Accepted != 3 {
		t.Errorf("status: %+v, %v", stats, err)
	}
	var del api.DeleteResult
	if err := ask(t, c, api.AdminDeleteInstance, api.DeleteInstance{ID: inst.ID}, &del); err != nil || !del.Deleted {
		t.Errorf("delete: %+v, %v", del, err)
	}
	if got := w.instanceIDs(); len(got) != 0 {
		t.Errorf("the worker still has %v", got)
	}
	for _, tc := range []struct {
		endpoint string
		in       any
	}{
		{api.AdminDeleteInstance, api.DeleteInstance{ID: inst.ID}},
		{api.AdminCreateInstance, api.CreateInstance{}},
		{api.AdminCreateInstance, map[string]int{"image": 1}},
		{api.AdminTasksSubmit, makeTasks("a", 1)},
	} {
		if err := ask(t, c, tc.endpoint, tc.in, nil); !errors.Is(err, reqrep.ErrRemote) {
			t.Errorf("%s %v: %v, want an error reply", tc.endpoint, tc.in, err)
		}
	}
}

func TestInstanceAPIErrors(t *testing.T) {
	cp, _ := start(t, testConfig(time.Second, 10*time.Second), controlplane.Options{})
	ctx := context.Background()
	if _, err := cp.CreateInstance(ctx, api.CreateInstance{Image: "nginx"}); !errors.Is(err, controlplane.ErrNoNodes) {
		t.Errorf("create with no node: %v", err)
	}
	newFake(t, "w1", cp, fakeOpts{interval: time.Second, noTasks: true})
	first, err := cp.CreateInstance(ctx, api.CreateInstance{ID: "x", Image: "nginx"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		req  api.CreateInstance
		want error
	}{
		{"same again is the same instance", api.CreateInstance{ID: "x", Image: "nginx"}, nil},
		{"same id, other image", api.CreateInstance{ID: "x", Image: "redis"}, controlplane.ErrExists},
		{"no image", api.CreateInstance{ID: "y"}, controlplane.ErrBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cp.CreateInstance(ctx, tc.req)
			if !errors.Is(err, tc.want) || (err == nil && got.CreatedAt != first.CreatedAt) {
				t.Errorf("got %+v, %v; want %v", got, err, tc.want)
			}
		})
	}
	if err := cp.DeleteInstance(ctx, "nope"); !errors.Is(err, controlplane.ErrNotFound) {
		t.Errorf("delete unknown: %v", err)
	}
	if n := len(cp.Instances()); n != 1 {
		t.Errorf("%d instances, want 1", n)
	}
}

func TestLifecycle(t *testing.T) {
	cp, err := controlplane.New(testConfig(time.Second, 10*time.Second), controlplane.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cp.SubmitTasks(makeTasks("l", 1)); !errors.Is(err, controlplane.ErrNotStarted) {
		t.Errorf("before start: %v", err)
	}
	if err := cp.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := cp.Start(context.Background()); !errors.Is(err, controlplane.ErrStarted) {
		t.Errorf("second start: %v", err)
	}
	addrs := cp.Addresses()
	for _, role := range []string{"bind", "pub", "tasks", "results", "admin", "metrics"} {
		if addrs[role] == "" || strings.HasSuffix(addrs[role], ":0") {
			t.Errorf("address %s: %q", role, addrs[role])
		}
	}
	if err := cp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := cp.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if _, err := cp.CreateInstance(context.Background(), api.CreateInstance{Image: "x"}); !errors.Is(err, controlplane.ErrClosed) {
		t.Errorf("after close: %v", err)
	}
	if err := cp.Start(context.Background()); !errors.Is(err, controlplane.ErrClosed) {
		t.Errorf("start after close: %v", err)
	}
	if _, err := controlplane.New(controlplane.Default(), controlplane.Options{}); err == nil {
		t.Error("New accepted a config without addresses")
	}
}

// /metrics serves the sockets' counters and the cluster's state.
func TestPrometheusEndpoint(t *testing.T) {
	cp, _ := start(t, testConfig(time.Second, 10*time.Second), controlplane.Options{})
	newFake(t, "w1", cp, fakeOpts{interval: time.Second, noTasks: true})
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: wait}
	resp, err := hc.Get("http://" + cp.Addresses()["metrics"] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%d, %v", resp.StatusCode, err)
	}
	for _, want := range []string{
		`nngbench_controlplane_nodes{status="online"} 1`,
		`nngbench_messages_received_total{pattern="rep",socket="controlplane"}`,
		`nngbench_connections{pattern="push",socket="controlplane/tasks"}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("no %s in /metrics", want)
		}
	}
}
