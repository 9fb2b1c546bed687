package check_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/nngbench/nngbench/impl/api"
)

// fake is a cluster's state held in maps, changed by the tests as they go.
type fake struct {
	mu       sync.Mutex
	nodes    map[string]string   // worker -> status
	placed   map[string]string   // instance -> node, the control plane's registry
	held     map[string][]string // worker -> the instances it holds
	versions map[string]uint64   // worker -> config version
	latest   uint64
	stats    api.TaskStats
	journals map[string][]string
	down     map[string]bool // workers that do not answer
}

func newFake() *fake {
	return &fake{nodes: map[string]string{}, placed: map[string]string{}, held: map[string][]string{},
		versions: map[string]uint64{}, journals: map[string][]string{}, down: map[string]bool{}}
}

func (f *fake) Workers() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.nodes))
}

func (f *fake) Nodes(context.Context) ([]api.Node, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []api.Node
	for _, w := range slices.Sorted(maps.Keys(f.nodes)) {
		out = append(out, api.Node{ID: w, Status: f.nodes[w]})
	}
	return out, nil
}

func (f *fake) Instances(context.Context) ([]api.Instance, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []api.Instance
	for _, id := range slices.Sorted(maps.Keys(f.placed)) {
		out = append(out, api.Instance{ID: id, Node: f.placed[id]})
	}
	return out, nil
}

func (f *fake) TaskStats(context.Context) (api.TaskStats, error) { return f.stats, nil }

func (f *fake) Config(context.Context) (api.ConfigSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return api.ConfigSnapshot{Version: f.latest}, nil
}

func (f *fake) Call(_ context.Context, worker, endpoint string, _, out any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down[worker] {
		return fmt.Errorf("%s: timed out", worker)
	}
	var v any
	switch endpoint {
	case api.InstancesList:
		var list api.InstanceList
		for _, id := range f.held[worker] {
			list.Instances = append(list.Instances, api.Instance{ID: id})
		}
		v = list
	case api.Health:
		v = api.WorkerHealth{NodeID: worker, ConfigVersion: f.versions[worker]}
	default:
		return fmt.Errorf("unknown endpoint %s", endpoint)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func (f *fake) Journal(worker string) ([]string, error) { return f.journals[worker], nil }

func (f *fake) set(change func(f *fake)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
}
