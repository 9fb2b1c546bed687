package controlplane

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

// openStore opens the store (data_dir, or memory) and puts back what it
// kept; Start calls it before any socket is bound, so that workers
// registering again meet the restored registry.
func (cp *ControlPlane) openStore() error {
	if dir := cp.cfg.DataDir; dir != "" {
		s, err := openBolt(dir)
		if err != nil {
			return err
		}
		cp.store = s
	}
	r, err := cp.store.load()
	if err != nil {
		return err
	}
	mac, err := newLeaseMAC(r.key)
	if err != nil {
		return err
	}
	q := cp.tasks
	q.mac, q.durable = mac, cp.store.durable()
	grace := cp.cfg.Tasks.Lease.D() / leaseGrace
	ops, leased := q.restore(r, grace)
	cp.reg.restore(r, cp.clk.Now())
	cp.snapshot = api.ConfigSnapshot{Version: r.config.Version, Values: maps.Clone(r.config.Values)}
	if q.durable {
		cp.reg.persist = cp.store.enqueue
		cp.store.enqueue(ops...)
		cp.log.Info(fmt.Sprintf("Loaded %s: %d tasks pending (%d under a lease), %d instances on %d nodes, config version %d",
			cp.cfg.DataDir, len(q.pending), leased, len(cp.reg.insts), len(cp.reg.nodes), cp.snapshot.Version),
			"boot", r.epoch)
	}
	return nil
}

// restore puts back the stored tasks: those never dispatched are queued,
// the others keep their latest lease, so that a worker's result for it
// still completes the task and one whose lease has ended goes out again.
// ops tidy what the store kept that no pending task needs.
func (q *taskQueue) restore(r *restored, grace time.Duration) (ops []op, leased int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.epoch, q.nextLease = r.epoch, 0
	q.stats.Accepted, q.stats.Completed = r.accepted, r.completed
	byRef := map[taskRef]*taskEntry{}
	var order []*taskEntry
	for _, rc := range r.chunks {
		c := &chunk{seq: rc.seq, done: rc.done}
		q.nextChunk = max(q.nextChunk, rc.seq+1)
		tidy := false
		for idx, t := range rc.tasks {
			if rc.done[idx/8]&(1<<(idx%8)) != 0 {
				continue
			}
			if q.pending[t.ID] != nil {
				// Ids are unique among pending tasks, so this is a copy the
				// store should not hold: the first one stands.
				c.done[idx/8] |= 1 << (idx % 8)
				tidy = true
				continue
			}
			n, _ := api.TaskSize(t) // it was encoded before it was stored
			e := &taskEntry{task: t, size: n + 1 + leaseFieldBytes, chunk: c, idx: idx}
			c.left++
			q.pending[t.ID] = e
			byRef[taskRef{chunk: rc.seq, idx: idx}] = e
			order = append(order, e)
		}
		switch {
		case c.left == 0:
			ops = append(ops, op{kind: opDeleteChunk, key: c.seq})
		case tidy:
			ops = append(ops, op{kind: opPutDone, key: c.seq, val: c.done})
		}
	}
	var recs []*leaseRec
	for _, rl := range r.leases {
		l := &leaseRec{no: rl.no, until: rl.until, expires: rl.until.Add(grace)}
		for _, ref := range rl.refs {
			e := byRef[ref]
			if e == nil {
				continue // completed
			}
			if old := e.lease; old != nil {
				old.live--
			}
			e.lease = l
			l.live++
			l.tasks = append(l.tasks, e)
		}
		recs = append(recs, l)
	}
	for _, l := range recs {
		if l.live == 0 {
			ops = append(ops, op{kind: opDeleteLease, key: l.no})
		} else {
			q.leases.push(l) // the dispatcher requeues the ended ones
		}
	}
	for _, e := range order {
		if e.lease != nil {
			q.leased++
			leased++
		} else {
			e.queued = true
			q.fresh.push(e)
		}
	}
	return ops, leased
}

// restore puts back the stored nodes and instances. A node is taken as
// online, as if heard from now, but restored: it has no peer and is told
// to register again, and nothing is placed on it until it does; one that
// does not within the heartbeat timeout goes offline and its instances
// move, as they would have without the restart.
func (r *registry) restore(st *restored, now time.Time) {
	node := func(id, addr string) {
		if r.nodes[id] == nil {
			r.nodes[id] = &nodeState{id: id, addr: addr, status: api.StatusOnline, lastSeen: now,
				reported: map[string]bool{}, restored: true}
		}
	}
	for id, addr := range st.nodes {
		node(id, addr)
	}
	for _, inst := range st.instances {
		if inst.Node != "" {
			node(inst.Node, "") // its own record may not have been written
		}
		r.insts[inst.ID] = &instState{inst: inst, placedAt: now}
		r.load[inst.Node]++
	}
	for _, id := range st.deleted {
		r.deleted[id] = true
	}
}

// instanceOp is the store's record of inst placed on its node.
func instanceOp(inst api.Instance) op {
	val, err := json.Marshal(inst)
	if err != nil {
		// Only a creation time outside years 0-9999, which a worker could
		// report, does not encode: the record keeps the rest.
		inst.CreatedAt = time.Time{}
		val, _ = json.Marshal(inst)
	}
	return op{kind: opPutInstance, id: inst.ID, val: val}
}
