package controlplane

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

// monitorTicks is how many times per heartbeat interval the monitor looks
// for silent nodes: a node is marked offline at most interval/monitorTicks
// after its timeout, well within the promised timeout + one interval.
const monitorTicks = 4

// monitor marks nodes offline once they have been silent for longer than
// heartbeat_timeout, and hands their instances to the repair loop.
//
// A tick that comes a whole tick late means the control plane itself was
// not running (paused, starved of CPU, a long GC): heartbeats may be
// waiting in its sockets, unread. The time it lost is not counted against
// the nodes, or every node would be declared offline on resuming.
func (cp *ControlPlane) monitor(ctx context.Context) {
	tick := max(cp.cfg.Messaging.HeartbeatInterval.D()/monitorTicks, time.Millisecond)
	last := cp.clk.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-cp.clk.After(tick):
		}
		now := cp.clk.Now()
		if late := now.Sub(last) - tick; late > tick {
			cp.forgive(late)
		}
		last = now
		cp.checkSilence()
	}
}

// forgive adds time the control plane lost to every online node's credit.
func (cp *ControlPlane) forgive(lost time.Duration) {
	cp.log.Warn(fmt.Sprintf("The heartbeat monitor ran %v late; not counting that time against the nodes", lost))
	cp.mu.Lock()
	defer cp.mu.Unlock()
	for _, n := range cp.reg.nodes {
		if n.status == api.StatusOnline {
			n.credit += lost
		}
	}
}

func (cp *ControlPlane) checkSilence() {
	now := cp.clk.Now()
	timeout := cp.cfg.Messaging.HeartbeatTimeout.D()
	var events []Event
	cp.mu.Lock()
	for id, n := range cp.reg.nodes {
		// Strictly longer: with a timeout equal to the interval, a node
		// beating on time must not flap.
		silent := now.Sub(n.lastSeen) - n.credit
		if n.status != api.StatusOnline || silent <= timeout {
			continue
		}
		n.status = api.StatusOffline
		cp.reg.migrations[id] = migration{since: now, total: cp.reg.load[id]}
		detail := fmt.Sprintf("silent for %v", now.Sub(n.lastSeen))
		if n.credit > 0 {
			detail += fmt.Sprintf(" (not counting %v the control plane was stalled)", n.credit)
		}
		detail += fmt.Sprintf(", %d instances to move", cp.reg.load[id])
		events = append(events, Event{Kind: NodeOffline, Node: id, At: now, Detail: detail})
	}
	cp.mu.Unlock()
	for _, e := range events {
		cp.log.Warn(fmt.Sprintf("Node %s offline: %s", e.Node, e.Detail))
		cp.publishNode(api.TopicNodeOffline, e.Node)
	}
	cp.emit(events...)
	if len(events) > 0 {
		cp.wake()
	}
}

// repairLoop moves the instances of offline nodes and reconciles nodes
// whose report disagrees with the registry: at once when woken, and every
// heartbeat interval, so a create that failed is tried again on a later
// pass, maybe on another node, and never dropped.
func (cp *ControlPlane) repairLoop(ctx context.Context) {
	every := cp.cfg.Messaging.HeartbeatInterval.D()
	var tick <-chan time.Time
	for {
		if tick == nil {
			// One timer at a time: being woken often must not pile them up.
			tick = cp.clk.After(every)
		}
		select {
		case <-ctx.Done():
			return
		case <-cp.kick:
		case <-tick:
			tick = nil
		}
		cp.migrate(ctx)
		cp.reconcileAll(ctx)
	}
}

// migrate tries once to place every instance whose node is offline on the
// least-loaded online node. A node whose create failed is not tried again
// in the same pass, so one unreachable node costs one timeout per pass.
func (cp *ControlPlane) migrate(ctx context.Context) {
	cp.mu.Lock()
	ids := cp.reg.unplaced()
	cp.mu.Unlock()
	failed := map[string]bool{}
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		cp.migrateOne(ctx, id, failed)
	}
	cp.finishMigrations()
}

func (cp *ControlPlane) migrateOne(ctx context.Context, id string, failed map[string]bool) {
	if !cp.locks.tryLock(id) {
		return // a create or delete holds it; the next pass looks again
	}
	defer cp.locks.unlock(id)
	cp.mu.Lock()
	st := cp.reg.insts[id]
	if st == nil || cp.reg.online(st.inst.Node) {
		cp.mu.Unlock()
		return
	}
	inst, from := st.inst, st.inst.Node
	target := cp.reg.leastLoaded(failed)
	cp.mu.Unlock()
	if target == "" {
		return // no online node: wait for one
	}
	actx, cancel := cp.attempt(ctx)
	got, err := cp.createOn(actx, target, inst)
	cancel()
	if err != nil {
		failed[target] = true
		cp.log.Warn(fmt.Sprintf("Could not move instance %s from %s to %s, will retry", id, from, target), "error", err)
		return
	}
	now := cp.clk.Now()
	inst.State = cmp.Or(got.State, inst.State)
	cp.mu.Lock()
	cp.reg.place(inst, target, now) // the instance lock kept it where it was
	cp.mu.Unlock()
	cp.log.Info(fmt.Sprintf("Moved instance %s from %s to %s", id, from, target))
	cp.emit(Event{Kind: InstanceMigrated, Node: target, Instance: id, At: now, Detail: "from " + from})
}

// finishMigrations reports the offline nodes that no instance is left on.
func (cp *ControlPlane) finishMigrations() {
	now := cp.clk.Now()
	var events []Event
	cp.mu.Lock()
	for node, m := range cp.reg.migrations {
		if cp.reg.load[node] > 0 {
			continue
		}
		delete(cp.reg.migrations, node)
		events = append(events, Event{Kind: MigrationDone, Node: node, At: now,
			Detail: fmt.Sprintf("%d instances re-created elsewhere in %v", m.total, now.Sub(m.since))})
	}
	cp.mu.Unlock()
	for _, e := range events {
		cp.log.Info(fmt.Sprintf("Migration off %s done: %s", e.Node, e.Detail))
	}
	cp.emit(events...)
}

// attempt bounds one command to a worker made by the repair loop: a
// single request timeout, as the loop itself tries again later.
func (cp *ControlPlane) attempt(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, cp.cfg.Messaging.RequestTimeout.D())
}
