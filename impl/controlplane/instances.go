package controlplane

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/envelope"
)

// CreateInstance places an instance on the least-loaded online node
// (fewest instances, ties by node id) and records it once that node has
// created it. Without an ID it gets "inst-" and 16 hex digits. Creating an
// ID that exists with the same image returns the existing instance, so a
// retried create is harmless. If a node fails, the next least-loaded one is
// tried, until every online node has failed or ctx ends; a copy left
// behind by a failed attempt is deleted when its node reports it.
func (cp *ControlPlane) CreateInstance(ctx context.Context, req api.CreateInstance) (api.Instance, error) {
	if err := cp.running(); err != nil {
		return api.Instance{}, err
	}
	if err := req.Validate(); err != nil {
		return api.Instance{}, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if req.ID == "" {
		req.ID = newInstanceID()
	}
	ctx, cancel := cp.bound(ctx)
	defer cancel()
	if err := cp.locks.lock(ctx, req.ID); err != nil {
		return api.Instance{}, fmt.Errorf("controlplane: create %s: %w", req.ID, err)
	}
	defer cp.locks.unlock(req.ID)
	if inst, ok, err := cp.existing(req); ok || err != nil {
		return inst, err
	}
	inst := api.Instance{ID: req.ID, Image: req.Image, Config: maps.Clone(req.Config)}
	tried := map[string]bool{}
	var errs []error
	for ctx.Err() == nil {
		cp.mu.Lock()
		target := cp.reg.leastLoaded(tried)
		cp.mu.Unlock()
		if target == "" {
			break
		}
		tried[target] = true
		got, err := cp.createOn(ctx, target, inst)
		if err == nil {
			inst = cp.created(inst, got, target)
			return inst, cp.flush("create " + req.ID)
		}
		cp.log.Warn(fmt.Sprintf("Could not create instance %s on %s", req.ID, target), "error", err)
		errs = append(errs, err)
	}
	cp.mu.Lock()
	if cp.reg.insts[req.ID] == nil {
		cp.reg.markDeleted(req.ID) // so that a copy a timed-out attempt left is not adopted
	}
	cp.mu.Unlock()
	if len(errs) == 0 {
		return api.Instance{}, cmp.Or(ctx.Err(), ErrNoNodes)
	}
	return api.Instance{}, fmt.Errorf("controlplane: create %s: %w", req.ID, errors.Join(errs...))
}

// existing returns the instance already recorded under req.ID, if any.
func (cp *ControlPlane) existing(req api.CreateInstance) (api.Instance, bool, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	st := cp.reg.insts[req.ID]
	if st == nil {
		return api.Instance{}, false, nil
	}
	if st.inst.Image != req.Image {
		return api.Instance{}, true, fmt.Errorf("%w: %s has image %s", ErrExists, req.ID, st.inst.Image)
	}
	inst := st.inst
	inst.Config = maps.Clone(inst.Config)
	return inst, true, nil
}

// created records an instance node has created; the caller holds its lock.
func (cp *ControlPlane) created(inst, got api.Instance, node string) api.Instance {
	now := cp.clk.Now()
	inst.State = cmp.Or(got.State, "running")
	inst.CreatedAt = got.CreatedAt
	if inst.CreatedAt.IsZero() {
		inst.CreatedAt = now
	}
	inst.Node = node
	cp.mu.Lock()
	cp.reg.place(inst, node, now)
	cp.mu.Unlock()
	cp.log.Info(fmt.Sprintf("Created instance %s (%s) on %s", inst.ID, inst.Image, node))
	cp.emit(Event{Kind: InstanceCreated, Node: node, Instance: inst.ID, At: now, Detail: inst.Image})
	inst.Config = maps.Clone(inst.Config)
	return inst
}

// DeleteInstance deletes an instance from its node, then from the
// registry; if the node does not answer, the instance stays and the error
// says why. An instance on an offline node is forgotten at once: the node
// is told to delete it when it comes back.
func (cp *ControlPlane) DeleteInstance(ctx context.Context, id string) error {
	if err := cp.running(); err != nil {
		return err
	}
	ctx, cancel := cp.bound(ctx)
	defer cancel()
	if err := cp.locks.lock(ctx, id); err != nil {
		return fmt.Errorf("controlplane: delete %s: %w", id, err)
	}
	defer cp.locks.unlock(id)
	cp.mu.Lock()
	st := cp.reg.insts[id]
	var node string
	var online bool
	if st != nil {
		node, online = st.inst.Node, cp.reg.online(st.inst.Node)
	}
	cp.mu.Unlock()
	if st == nil {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if online {
		if _, err := cp.deleteOn(ctx, node, id); err != nil {
			return fmt.Errorf("controlplane: delete %s from %s: %w", id, node, err)
		}
	}
	cp.mu.Lock()
	cp.reg.remove(id)
	cp.mu.Unlock()
	cp.log.Info(fmt.Sprintf("Deleted instance %s from %s", id, node))
	cp.emit(Event{Kind: InstanceDeleted, Node: node, Instance: id})
	return cp.flush("delete " + id)
}

// flush waits until the changes made so far are on disk (at once without
// a data_dir), so that what a caller is told was done survives a crash.
func (cp *ControlPlane) flush(what string) error {
	if err := cp.store.commit(); err != nil {
		return fmt.Errorf("controlplane: %s: done, but not stored: %w", what, err)
	}
	return nil
}

func (cp *ControlPlane) createOn(ctx context.Context, node string, inst api.Instance) (api.Instance, error) {
	var got api.Instance
	err := cp.call(ctx, node, api.InstancesCreate, api.CreateInstance{ID: inst.ID, Image: inst.Image, Config: inst.Config}, &got)
	return got, err
}

func (cp *ControlPlane) deleteOn(ctx context.Context, node, id string) (api.DeleteResult, error) {
	var res api.DeleteResult
	err := cp.call(ctx, node, api.InstancesDelete, api.DeleteInstance{ID: id}, &res)
	return res, err
}

func (cp *ControlPlane) listOn(ctx context.Context, node string) (api.InstanceList, error) {
	var list api.InstanceList
	err := cp.call(ctx, node, api.InstancesList, nil, &list)
	return list, err
}

// call sends a command to a worker through its peer (timeouts retried with
// backoff, behind the peer's breaker) and decodes the reply into out.
func (cp *ControlPlane) call(ctx context.Context, node, endpoint string, in, out any) error {
	var data json.RawMessage
	if in != nil {
		var err error
		if data, err = envelope.DataOf(in); err != nil {
			return err
		}
	}
	resp, err := cp.client.Call(ctx, node, endpoint, data)
	if err != nil {
		return err
	}
	if out != nil && len(resp.Data) > 0 {
		// Not strict: a newer worker may add fields.
		if err := json.Unmarshal(resp.Data, out); err != nil {
			return fmt.Errorf("controlplane: %s %s: bad reply: %w", node, endpoint, err)
		}
	}
	return nil
}

// newInstanceID returns "inst-" and 16 random hex digits.
func newInstanceID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "inst-" + hex.EncodeToString(b[:])
}
