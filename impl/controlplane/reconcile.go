package controlplane

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

// plan is what reconciling one node takes, from its last report.
type plan struct {
	stale   []string // it has them, but they live elsewhere or were deleted: delete
	missing []string // placed on it, not in its report: create again
	claim   []string // it has them and their node is offline: they live here now
	unknown []string // never heard of (the control plane restarted): adopt
}

func (p plan) empty() bool {
	return len(p.stale)+len(p.missing)+len(p.claim)+len(p.unknown) == 0
}

// reconcileAll reconciles every online node marked dirty.
func (cp *ControlPlane) reconcileAll(ctx context.Context) {
	var nodes []string
	cp.mu.Lock()
	for id, n := range cp.reg.nodes {
		if n.dirty && n.status == api.StatusOnline {
			n.dirty = false
			nodes = append(nodes, id)
		}
	}
	cp.mu.Unlock()
	slices.Sort(nodes)
	for _, node := range nodes {
		if ctx.Err() != nil {
			return
		}
		cp.reconcile(ctx, node)
	}
}

// step is how one reconciling step went.
type step int

const (
	stepDone   step = iota // done, or nothing left to do
	stepBusy               // the instance is locked by another operation
	stepFailed             // the worker did not do it
)

// reconcile makes node hold exactly the instances the registry places on
// it. Each step takes the instance's lock and checks again, as creates,
// deletes and migrations run meanwhile. A step that cannot run now marks
// the node dirty, so that a later pass tries again; after a failed command
// the rest waits for that pass too, so a node that does not answer costs
// the repair loop one timeout, not one per instance.
func (cp *ControlPlane) reconcile(ctx context.Context, node string) {
	cp.mu.Lock()
	p := cp.reg.planFor(node, cp.cfg.Messaging.HeartbeatInterval.D())
	cp.mu.Unlock()
	if p.empty() {
		return
	}
	cp.log.Info(fmt.Sprintf("Reconciling node %s: %d stale, %d missing, %d to claim, %d unknown",
		node, len(p.stale), len(p.missing), len(p.claim), len(p.unknown)))
	var steps []func() step
	for _, id := range p.claim {
		steps = append(steps, cp.locked(id, func() step { return cp.claim(node, id) }))
	}
	for _, id := range p.stale {
		steps = append(steps, cp.locked(id, func() step { return cp.deleteStale(ctx, node, id) }))
	}
	for _, id := range p.missing {
		steps = append(steps, cp.locked(id, func() step { return cp.recreate(ctx, node, id) }))
	}
	if len(p.unknown) > 0 {
		steps = append(steps, func() step { return cp.adopt(ctx, node, p.unknown) })
	}
	again := false
	for _, run := range steps {
		s := run()
		again = again || s != stepDone
		if s == stepFailed {
			break
		}
	}
	if again {
		cp.mu.Lock()
		if n := cp.reg.nodes[node]; n != nil {
			n.dirty = true
		}
		cp.mu.Unlock()
	}
}

// locked returns f to be run under id's lock; stepBusy if it is taken.
func (cp *ControlPlane) locked(id string, f func() step) func() step {
	return func() step {
		if !cp.locks.tryLock(id) {
			return stepBusy
		}
		defer cp.locks.unlock(id)
		return f()
	}
}

// planFor compares node's last report with the registry.
func (r *registry) planFor(node string, grace time.Duration) plan {
	var p plan
	n := r.nodes[node]
	if n == nil || n.status != api.StatusOnline {
		return p
	}
	for id := range n.reported {
		switch st := r.insts[id]; {
		case st == nil && r.deleted[id]:
			p.stale = append(p.stale, id)
		case st == nil:
			p.unknown = append(p.unknown, id)
		case st.inst.Node == node:
		case r.online(st.inst.Node):
			p.stale = append(p.stale, id)
		default:
			p.claim = append(p.claim, id)
		}
	}
	for id, st := range r.insts {
		if st.inst.Node == node && !n.reported[id] && st.placedAt.Before(n.reportedAt.Add(-grace)) {
			p.missing = append(p.missing, id)
		}
	}
	for _, ids := range [][]string{p.stale, p.missing, p.claim, p.unknown} {
		slices.Sort(ids)
	}
	return p
}

// isStale reports whether a copy of id on node must go.
func (r *registry) isStale(node, id string) (bool, string) {
	st := r.insts[id]
	switch {
	case st == nil && r.deleted[id]:
		return true, "it was deleted"
	case st != nil && st.inst.Node != node && r.online(st.inst.Node):
		return true, "it lives on " + st.inst.Node
	}
	return false, ""
}

// claim keeps the copy node reports of an instance placed on an offline
// node: it is live, so moving it would only make a third copy.
func (cp *ControlPlane) claim(node, id string) step {
	now := cp.clk.Now()
	cp.mu.Lock()
	st, n := cp.reg.insts[id], cp.reg.nodes[node]
	if st == nil || cp.reg.online(st.inst.Node) || !cp.reg.online(node) || !n.reported[id] {
		cp.mu.Unlock()
		return stepDone // moved or deleted meanwhile: nothing to claim
	}
	from := st.inst.Node
	cp.reg.place(st.inst, node, now)
	cp.mu.Unlock()
	cp.log.Info(fmt.Sprintf("Instance %s stays on %s, where it runs (was placed on offline %s)", id, node, from))
	cp.emit(Event{Kind: InstanceMigrated, Node: node, Instance: id, At: now, Detail: "kept the copy it runs; from " + from})
	return stepDone
}

func (cp *ControlPlane) deleteStale(ctx context.Context, node, id string) step {
	cp.mu.Lock()
	stale, why := cp.reg.isStale(node, id)
	cp.mu.Unlock()
	if !stale {
		return stepDone
	}
	actx, cancel := cp.attempt(ctx)
	_, err := cp.deleteOn(actx, node, id)
	cancel()
	if err != nil {
		cp.log.Warn(fmt.Sprintf("Could not delete stale instance %s from %s, will retry", id, node), "error", err)
		return stepFailed
	}
	cp.mu.Lock()
	if n := cp.reg.nodes[node]; n != nil {
		delete(n.reported, id) // until its next report says otherwise
	}
	cp.mu.Unlock()
	cp.log.Info(fmt.Sprintf("Deleted stale instance %s from %s: %s", id, node, why))
	cp.emit(Event{Kind: InstanceReconciled, Node: node, Instance: id, Detail: "deleted stale copy: " + why})
	return stepDone
}

func (cp *ControlPlane) recreate(ctx context.Context, node, id string) step {
	cp.mu.Lock()
	st := cp.reg.insts[id]
	if st == nil || st.inst.Node != node || !cp.reg.online(node) {
		cp.mu.Unlock()
		return stepDone
	}
	inst := st.inst
	cp.mu.Unlock()
	actx, cancel := cp.attempt(ctx)
	_, err := cp.createOn(actx, node, inst)
	cancel()
	if err != nil {
		cp.log.Warn(fmt.Sprintf("Could not re-create instance %s on %s, will retry", id, node), "error", err)
		return stepFailed
	}
	cp.mu.Lock()
	if n := cp.reg.nodes[node]; n != nil {
		n.reported[id] = true
	}
	cp.mu.Unlock()
	cp.log.Info(fmt.Sprintf("Re-created instance %s on %s, missing from its report", id, node))
	cp.emit(Event{Kind: InstanceReconciled, Node: node, Instance: id, Detail: "re-created: missing from the node's report"})
	return stepDone
}

// adopt takes into the registry instances a node runs that the control
// plane never heard of, as after a restart of the control plane; their
// image and config come from the node's list.
func (cp *ControlPlane) adopt(ctx context.Context, node string, ids []string) step {
	actx, cancel := cp.attempt(ctx)
	list, err := cp.listOn(actx, node)
	cancel()
	if err != nil {
		cp.log.Warn(fmt.Sprintf("Could not list the instances of %s to adopt them, will retry", node), "error", err)
		return stepFailed
	}
	want := set(ids)
	result := stepDone
	for _, inst := range list.Instances {
		if !want[inst.ID] {
			continue
		}
		s := cp.locked(inst.ID, func() step {
			now := cp.clk.Now()
			cp.mu.Lock()
			adopt := cp.reg.insts[inst.ID] == nil && !cp.reg.deleted[inst.ID] && cp.reg.online(node)
			if adopt {
				cp.reg.place(inst, node, now)
			}
			cp.mu.Unlock()
			if adopt {
				cp.log.Info(fmt.Sprintf("Adopted instance %s reported by %s", inst.ID, node))
				cp.emit(Event{Kind: InstanceCreated, Node: node, Instance: inst.ID, At: now, Detail: "adopted from the node's report"})
			}
			return stepDone
		})()
		result = max(result, s)
	}
	return result
}
