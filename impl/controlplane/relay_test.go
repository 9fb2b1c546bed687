package controlplane_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/controlplane"
)

// TestRelay: a command through the admin API reaches the named worker, or
// with no name each online worker in turn, and comes back with the
// worker's reply and its name; what the relay does not carry, and a node
// that is not online, are error replies.
func TestRelay(t *testing.T) {
	cp, _ := start(t, testConfig(time.Second, 10*time.Second), controlplane.Options{})
	newFake(t, "w1", cp, fakeOpts{interval: time.Second, instances: []string{"a"}})
	newFake(t, "w2", cp, fakeOpts{interval: time.Second})
	admin := client(t, cp.Addresses()["admin"])

	seen := map[string]int{}
	for range 4 {
		var r api.RelayReply
		if err := ask(t, admin, api.AdminRelay, api.Relay{Endpoint: api.InstancesList}, &r); err != nil {
			t.Fatal(err)
		}
		var list api.InstanceList
		if err := json.Unmarshal(r.Data, &list); err != nil {
			t.Fatalf("reply %s: %v", r.Data, err)
		}
		if want := map[string]int{"w1": 1, "w2": 0}[r.Node]; len(list.Instances) != want {
			t.Errorf("%s listed %d instances, want %d", r.Node, len(list.Instances), want)
		}
		seen[r.Node]++
	}
	if seen["w1"] != 2 || seen["w2"] != 2 {
		t.Errorf("round robin over two nodes, four calls: %v", seen)
	}
	var r api.RelayReply
	if err := ask(t, admin, api.AdminRelay, api.Relay{Node: "w2", Endpoint: api.InstancesList}, &r); err != nil || r.Node != "w2" {
		t.Errorf("named w2: %+v, %v", r, err)
	}
	for _, tc := range []struct {
		name string
		req  api.Relay
		want string
	}{
		{"a write", api.Relay{Endpoint: api.InstancesCreate}, "the relay carries only"},
		{"no endpoint", api.Relay{}, "the relay carries only"},
		{"unknown node", api.Relay{Node: "w9", Endpoint: api.InstancesList}, `node "w9" is not online`},
	} {
		err := ask(t, admin, api.AdminRelay, tc.req, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error reply with %q", tc.name, err, tc.want)
		}
	}
}
