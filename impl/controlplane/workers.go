package controlplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/breaker"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/transport"
)

// handleWorkers routes the endpoints workers call.
func (cp *ControlPlane) handleWorkers(s *reqrep.Server) {
	s.Handle(api.NodesRegister, cp.onRegister)
	s.Handle(api.NodesHeartbeat, cp.onHeartbeat)
	s.Handle(api.ConfigLatest, cp.onConfigLatest)
}

func (cp *ControlPlane) onRegister(_ context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	var r api.Register
	if err := req.Bind(&r); err != nil {
		return nil, err
	}
	if r.NodeID == "" {
		return nil, fmt.Errorf("%w: node_id: required", ErrBadRequest)
	}
	if _, err := transport.Scheme(r.Address); err != nil {
		return nil, fmt.Errorf("%w: address: %w", ErrBadRequest, err)
	}
	events, cameOnline, err := cp.register(r)
	if err != nil {
		return nil, err
	}
	if cameOnline {
		cp.publishNode(api.TopicNodeOnline, r.NodeID)
	}
	cp.emit(events...)
	cp.wake() // a registration is always reconciled
	return envelope.DataOf(api.RegisterReply{
		HeartbeatIntervalSeconds: cp.cfg.Messaging.HeartbeatInterval.D().Seconds(),
		ConfigVersion:            cp.Config().Version,
		SurveyAddress:            cp.addrs["survey"],
	})
}

// register adds or updates the node and its peer. cameOnline is true for a
// node that is new or was offline.
func (cp *ControlPlane) register(r api.Register) (events []Event, cameOnline bool, err error) {
	cp.peerMu.Lock()
	defer cp.peerMu.Unlock()
	cp.mu.Lock()
	var oldAddr, oldStatus string
	restored := false
	if old := cp.reg.nodes[r.NodeID]; old != nil {
		oldAddr, oldStatus, restored = old.addr, old.status, old.restored
	}
	cp.mu.Unlock()
	// A new address is a restarted worker: commands in flight to the old
	// one fail, and are retried by whoever sent them. A node restored from
	// the data_dir has no peer yet.
	if restored || oldAddr != r.Address || (oldStatus == api.StatusOffline && cp.breakerTripped(r.NodeID)) {
		if err := cp.replacePeer(r.NodeID, r.Address, oldAddr != "" && !restored); err != nil {
			return nil, false, err
		}
	}
	now := cp.clk.Now()
	cp.mu.Lock()
	defer cp.mu.Unlock()
	n := cp.reg.nodes[r.NodeID]
	if n == nil {
		n = &nodeState{id: r.NodeID}
		cp.reg.nodes[r.NodeID] = n
	}
	prev := n.status
	cameOnline = prev != api.StatusOnline
	if n.addr != r.Address && cp.reg.persist != nil {
		cp.reg.persist(op{kind: opPutNode, id: r.NodeID, val: []byte(r.Address)})
	}
	n.restored = false
	n.addr, n.status, n.lastSeen, n.credit, n.resources = r.Address, api.StatusOnline, now, 0, r.Resources
	n.reported, n.reportedAt, n.dirty = set(r.Instances), now, true
	events = append(events, Event{Kind: NodeRegistered, Node: r.NodeID, At: now,
		Detail: fmt.Sprintf("at %s with %d instances", r.Address, len(r.Instances))})
	if prev == api.StatusOffline {
		events = append(events, cp.backOnline(n, now)...)
	}
	cp.log.Info(fmt.Sprintf("Node %s registered at %s with %d instances", r.NodeID, r.Address, len(r.Instances)))
	return events, cameOnline, nil
}

func (cp *ControlPlane) onHeartbeat(_ context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	var hb api.Heartbeat
	if err := req.Bind(&hb); err != nil {
		return nil, err
	}
	now := cp.clk.Now()
	cp.mu.Lock()
	n := cp.reg.nodes[hb.NodeID]
	known := n != nil && !n.restored
	seen := HeartbeatSeen{Heartbeat: hb, Received: now, Known: known, Bytes: len(req.Data)}
	if !known {
		cp.mu.Unlock()
		cp.observeHeartbeat(seen)
		// Not known (the control plane restarted, maybe with its registry
		// restored): the worker registers, with the instances it has.
		return envelope.DataOf(api.HeartbeatReply{Known: false, ConfigVersion: cp.Config().Version})
	}
	n.lastSeen, n.credit, n.resources = now, 0, hb.Resources
	n.reported, n.reportedAt = set(hb.Instances), now
	cameBack := n.status != api.StatusOnline
	var events []Event
	if cameBack {
		n.status, n.dirty = api.StatusOnline, true
		events = cp.backOnline(n, now)
	} else if cp.reg.disagrees(n, cp.cfg.Messaging.HeartbeatInterval.D()) {
		n.dirty = true
	}
	dirty, addr := n.dirty, n.addr
	cp.mu.Unlock()
	cp.observeHeartbeat(seen)
	if cameBack {
		cp.refreshPeer(hb.NodeID, addr)
		cp.publishNode(api.TopicNodeOnline, hb.NodeID)
		cp.emit(events...)
	}
	if dirty {
		cp.wake()
	}
	return envelope.DataOf(api.HeartbeatReply{Known: true, ConfigVersion: cp.Config().Version})
}

// refreshPeer gives a node heard from again after being offline a new
// peer if its breaker is not closed: the failures it counted were the
// outage that is now over, and waiting out its reset timeout would leave
// the node's stale copies on it that long.
func (cp *ControlPlane) refreshPeer(node, addr string) {
	cp.peerMu.Lock()
	defer cp.peerMu.Unlock()
	if !cp.breakerTripped(node) {
		return
	}
	if err := cp.replacePeer(node, addr, true); err != nil {
		cp.log.Warn("could not renew the peer", "node", node, "error", err)
	}
}

func (cp *ControlPlane) breakerTripped(node string) bool {
	br := cp.client.Breaker(node)
	return br != nil && br.State() != breaker.Closed
}

// replacePeer (re)creates node's peer at addr; the caller holds peerMu.
func (cp *ControlPlane) replacePeer(node, addr string, exists bool) error {
	if exists {
		if err := cp.client.RemovePeer(node); err != nil && !errors.Is(err, reqrep.ErrNoPeer) {
			cp.log.Warn("could not close the old peer", "node", node, "error", err)
		}
	}
	if err := cp.client.AddPeer(node, addr); err != nil {
		return fmt.Errorf("controlplane: node %s: %w", node, err)
	}
	return nil
}

// backOnline accounts for an offline node heard from again; the caller
// holds mu and has marked it online.
func (cp *ControlPlane) backOnline(n *nodeState, now time.Time) []Event {
	cp.log.Info(fmt.Sprintf("Node %s is back online", n.id))
	events := []Event{{Kind: NodeOnline, Node: n.id, At: now}}
	if m, ok := cp.reg.migrations[n.id]; ok {
		delete(cp.reg.migrations, n.id)
		events = append(events, Event{Kind: MigrationDone, Node: n.id, At: now, Detail: fmt.Sprintf(
			"interrupted: node back online after %v with %d of %d instances not moved", now.Sub(m.since), cp.reg.load[n.id], m.total)})
	}
	return events
}

// disagrees reports whether n's report differs from the registry: an
// instance it reports that is not placed on it, or one placed on it for
// longer than grace that it does not report (a younger one may have been
// created after the report was sent).
func (r *registry) disagrees(n *nodeState, grace time.Duration) bool {
	for id := range n.reported {
		if st := r.insts[id]; st == nil || st.inst.Node != n.id {
			return true
		}
	}
	if len(n.reported) == r.load[n.id] {
		return false // every reported one is placed here, and as many as are placed
	}
	for id, st := range r.insts {
		if st.inst.Node == n.id && !n.reported[id] && st.placedAt.Before(n.reportedAt.Add(-grace)) {
			return true
		}
	}
	return false
}

func (cp *ControlPlane) onConfigLatest(context.Context, *envelope.Envelope) (json.RawMessage, error) {
	return envelope.DataOf(cp.Config())
}

// publishNode broadcasts a node event. Losing one is not fatal: workers
// and observers also learn of nodes from the admin API.
func (cp *ControlPlane) publishNode(topic, node string) {
	data, err := envelope.DataOf(api.NodeEvent{NodeID: node, At: cp.clk.Now()})
	if err == nil {
		_, err = cp.pub.Publish(topic, data)
	}
	if err != nil {
		cp.log.Warn("could not publish a node event", "topic", topic, "node", node, "error", err)
	}
}

func set(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}
