package controlplane

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

// registry is the control plane's view of the cluster. ControlPlane.mu
// guards it; its methods assume the lock is held.
type registry struct {
	nodes map[string]*nodeState
	insts map[string]*instState
	load  map[string]int // instances placed per node, kept in step with insts
	// deleted holds the ids of instances deleted (or whose every create
	// failed), so that a copy a node still reports is deleted from it and
	// not adopted. It is kept for the control plane's life: a node can come
	// back after any time.
	deleted    map[string]bool
	migrations map[string]migration // by offline node: instances still to move
	// persist, when set (a data_dir), queues the store's record of each
	// change of placement; called with ControlPlane.mu held, so records
	// are queued in the order of the changes.
	persist func(...op)
}

type nodeState struct {
	id, addr   string
	status     string
	lastSeen   time.Time
	credit     time.Duration // time the monitor was stalled since lastSeen: not silence
	resources  api.Resources
	reported   map[string]bool // instance ids in its last heartbeat or registration
	reportedAt time.Time
	dirty      bool // its report and the registry disagree: reconcile it
	// restored: read from the data_dir at start and not heard from since.
	// It has no peer: it is asked to register, and nothing is placed on
	// it until it has.
	restored bool
}

type instState struct {
	inst     api.Instance // Node is where the registry places it
	placedAt time.Time
}

// migration is a node gone offline whose instances are being moved.
type migration struct {
	since time.Time
	total int
}

func newRegistry() registry {
	return registry{
		nodes: map[string]*nodeState{}, insts: map[string]*instState{}, load: map[string]int{},
		deleted: map[string]bool{}, migrations: map[string]migration{},
	}
}

// place records inst on node.
func (r *registry) place(inst api.Instance, node string, now time.Time) {
	if old := r.insts[inst.ID]; old != nil {
		r.load[old.inst.Node]--
	}
	inst.Node = node
	r.insts[inst.ID] = &instState{inst: inst, placedAt: now}
	r.load[node]++
	delete(r.deleted, inst.ID)
	if r.persist != nil {
		r.persist(instanceOp(inst))
	}
}

// remove forgets an instance and remembers that it was deleted.
func (r *registry) remove(id string) {
	if old := r.insts[id]; old != nil {
		r.load[old.inst.Node]--
		delete(r.insts, id)
	}
	r.deleted[id] = true
	if r.persist != nil {
		r.persist(op{kind: opDeleteInstance, id: id})
	}
}

// markDeleted remembers id as deleted: a copy a node reports is deleted,
// not adopted.
func (r *registry) markDeleted(id string) {
	r.deleted[id] = true
	if r.persist != nil {
		r.persist(op{kind: opMarkDeleted, id: id})
	}
}

func (r *registry) online(node string) bool {
	n := r.nodes[node]
	return n != nil && n.status == api.StatusOnline
}

// leastLoaded returns the online node with the fewest instances, ties
// broken by node id, skipping those in exclude; "" if there is none.
func (r *registry) leastLoaded(exclude map[string]bool) string {
	best := ""
	for id, n := range r.nodes {
		if n.status != api.StatusOnline || n.restored || exclude[id] {
			continue
		}
		if best == "" || r.load[id] < r.load[best] || (r.load[id] == r.load[best] && id < best) {
			best = id
		}
	}
	return best
}

// unplaced lists, sorted, the instances whose node is not online.
func (r *registry) unplaced() []string {
	var ids []string
	for id, st := range r.insts {
		if !r.online(st.inst.Node) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// placedOn lists the instances placed on node.
func (r *registry) placedOn(node string) []string {
	var ids []string
	for id, st := range r.insts {
		if st.inst.Node == node {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Nodes returns every node the control plane knows, online or not, sorted
// by id, with the instances it places on each.
func (cp *ControlPlane) Nodes() []api.Node {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	out := make([]api.Node, 0, len(cp.reg.nodes))
	for _, n := range cp.reg.nodes {
		out = append(out, api.Node{
			ID: n.id, Address: n.addr, Status: n.status, LastSeen: n.lastSeen,
			Instances: cp.reg.placedOn(n.id), Resources: n.resources,
		})
	}
	slices.SortFunc(out, func(a, b api.Node) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Instances returns every instance, sorted by id, each with the node the
// registry places it on.
func (cp *ControlPlane) Instances() []api.Instance {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	out := make([]api.Instance, 0, len(cp.reg.insts))
	for _, st := range cp.reg.insts {
		inst := st.inst
		inst.Config = maps.Clone(inst.Config)
		out = append(out, inst)
	}
	slices.SortFunc(out, func(a, b api.Instance) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// keyedLock is a mutex per key: an instance's placement changes one
// operation at a time, while operations on different instances run in
// parallel. Waiting honours a context; background repairs only try.
type keyedLock struct {
	mu   sync.Mutex
	held map[string]chan struct{} // closed on unlock
}

func (k *keyedLock) tryLock(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, busy := k.held[key]; busy {
		return false
	}
	k.held[key] = make(chan struct{})
	return true
}

func (k *keyedLock) lock(ctx context.Context, key string) error {
	for {
		k.mu.Lock()
		ch, busy := k.held[key]
		if !busy {
			k.held[key] = make(chan struct{})
			k.mu.Unlock()
			return nil
		}
		k.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (k *keyedLock) unlock(key string) {
	k.mu.Lock()
	ch := k.held[key]
	delete(k.held, key)
	k.mu.Unlock()
	close(ch)
}
