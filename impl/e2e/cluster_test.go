package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/retry"
)

// timing of the clusters these tests start: fast, so faults are detected
// in well under a second.
const (
	interval = 200 * time.Millisecond
	timeout  = 600 * time.Millisecond
)

// cluster is a control plane and its workers, each a real process.
type cluster struct {
	t       *testing.T
	dir     string
	cp      *proc
	workers map[string]*proc
	client  *reqrep.Client // peers: "admin" and each worker by node id
}

type workerOpts struct {
	// subAddress, when set, replaces the control plane's pub address (a
	// cutProxy in front of it).
	subAddress string
	stateFile  bool
	journal    bool
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	return newClusterFrom(t, t.TempDir(), controlPlaneConfig())
}

// controlPlaneConfig is the config newCluster starts the control plane
// with: every socket on loopback tcp port 0, fast timing.
func controlPlaneConfig() map[string]any {
	return map[string]any{
		"node_id": "controlplane",
		"messaging": map[string]any{
			"bind_address": "tcp://127.0.0.1:0", "pub_address": "tcp://127.0.0.1:0",
			"task_address": "tcp://127.0.0.1:0", "result_address": "tcp://127.0.0.1:0",
			"admin_address":              "tcp://127.0.0.1:0",
			"heartbeat_interval_seconds": interval.Seconds(), "heartbeat_timeout_seconds": timeout.Seconds(),
			"request_timeout_seconds": 2,
		},
		"retry":           map[string]any{"max_retries": 2, "base_delay_seconds": 0.05},
		"breaker":         map[string]any{"failure_threshold": 5, "reset_timeout_seconds": 1},
		"tasks":           map[string]any{"lease_seconds": 1, "batch_size": 16},
		"metrics_address": "127.0.0.1:0",
		"log_level":       "info",
	}
}

// newClusterFrom starts a control plane with cfg, its files in dir.
func newClusterFrom(t *testing.T, dir string, cfg map[string]any) *cluster {
	t.Helper()
	c := &cluster{t: t, dir: dir, workers: map[string]*proc{}}
	c.cp = start(t, "controlplane", "controlplane", writeJSON(t, dir, "controlplane.json", cfg))
	cli, err := reqrep.NewClient(reqrep.ClientConfig{Name: "e2e", Timeout: 5 * time.Second,
		Retry: retry.Policy{MaxRetries: retry.Disabled}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	c.client = cli
	if err := cli.AddPeer("admin", c.cp.Ready.Addresses["admin"]); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *cluster) addWorker(name string, o workerOpts) *proc {
	c.t.Helper()
	sub := c.cp.Ready.Addresses["pub"]
	if o.subAddress != "" {
		sub = o.subAddress
	}
	cfg := map[string]any{
		"node_id": name,
		"messaging": map[string]any{
			"bind_address":               "tcp://127.0.0.1:0",
			"control_plane_address":      c.cp.Ready.Addresses["bind"],
			"sub_address":                sub,
			"task_address":               c.cp.Ready.Addresses["tasks"],
			"result_address":             c.cp.Ready.Addresses["results"],
			"heartbeat_interval_seconds": interval.Seconds(), "reconnect_interval_seconds": 0.1,
			"request_timeout_seconds": 1,
		},
		"instances":       map[string]any{"start_seconds": 0.01},
		"tasks":           map[string]any{"concurrency": 2},
		"metrics_address": "127.0.0.1:0",
		"log_level":       "info",
	}
	if o.stateFile {
		cfg["instances"].(map[string]any)["state_file"] = filepath.Join(c.dir, name+".state.json")
	}
	if o.journal {
		cfg["tasks"].(map[string]any)["journal_file"] = c.journal(name)
	}
	p := start(c.t, "worker", name, writeJSON(c.t, c.dir, name+".json", cfg))
	c.workers[name] = p
	c.repeer(name, p)
	return p
}

// repeer points the test's client at a worker's (new) command address.
func (c *cluster) repeer(name string, p *proc) {
	c.t.Helper()
	_ = c.client.RemovePeer(name)
	if err := c.client.AddPeer(name, p.Ready.Addresses["bind"]); err != nil {
		c.t.Fatal(err)
	}
}

func (c *cluster) journal(name string) string { return filepath.Join(c.dir, name+".journal") }

// call sends a request to peer and decodes the reply's data into out.
func (c *cluster) call(peer, endpoint string, in, out any) error {
	var data json.RawMessage
	if in != nil {
		var err error
		if data, err = envelope.DataOf(in); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.client.Call(ctx, peer, endpoint, data)
	if err != nil {
		return err
	}
	if out != nil {
		return json.Unmarshal(resp.Data, out)
	}
	return nil
}

func (c *cluster) mustCall(peer, endpoint string, in, out any) {
	c.t.Helper()
	if err := c.call(peer, endpoint, in, out); err != nil {
		c.t.Fatalf("%s %s: %v", peer, endpoint, err)
	}
}

func (c *cluster) nodes() map[string]api.Node {
	c.t.Helper()
	var list []api.Node
	c.mustCall("admin", api.AdminNodes, nil, &list)
	m := map[string]api.Node{}
	for _, n := range list {
		m[n.ID] = n
	}
	return m
}

func (c *cluster) onlineCount() int {
	n := 0
	for _, node := range c.nodes() {
		if node.Status == api.StatusOnline {
			n++
		}
	}
	return n
}

// placement returns, for every instance, the nodes that hold it, asking
// each running worker itself, and the control plane's registry.
func (c *cluster) placement(running ...string) (held map[string][]string, registry map[string]string) {
	c.t.Helper()
	held = map[string][]string{}
	for _, name := range running {
		var list api.InstanceList
		c.mustCall(name, api.InstancesList, nil, &list)
		for _, in := range list.Instances {
			held[in.ID] = append(held[in.ID], name)
		}
	}
	var all []api.Instance
	c.mustCall("admin", api.AdminInstances, nil, &all)
	registry = map[string]string{}
	for _, in := range all {
		registry[in.ID] = in.Node
	}
	return held, registry
}

// onExactlyOne checks that each of want instances lives on exactly one of
// the running workers, the one the registry says.
func (c *cluster) onExactlyOne(want int, running ...string) error {
	held, registry := c.placement(running...)
	if len(registry) != want {
		return fmt.Errorf("registry has %d instances, want %d", len(registry), want)
	}
	for id, node := range registry {
		if h := held[id]; len(h) != 1 || h[0] != node {
			sort.Strings(h)
			return fmt.Errorf("instance %s: registry says %q, held by %v", id, node, h)
		}
	}
	for id, h := range held {
		if _, ok := registry[id]; !ok {
			return fmt.Errorf("instance %s held by %v is not in the registry", id, h)
		}
	}
	return nil
}
