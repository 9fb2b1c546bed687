package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/envelope"
)

// stateRunning is the state of every instance the worker holds: a
// simulated instance is running once its start time has passed.
const stateRunning = "running"

// handleCreate serves api.InstancesCreate. It is idempotent by id: the
// control plane retries and migrates creates with the same id, and gets
// the instance that exists unchanged.
func (w *Worker) handleCreate(ctx context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	var c api.CreateInstance
	if err := req.Bind(&c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if c.ID == "" {
		c.ID = fmt.Sprintf("inst-%016x", rand.Uint64()) //nolint:gosec // unique, not secret
	}
	if in, ok := w.instances.get(c.ID); ok {
		return envelope.DataOf(in)
	}
	// The simulated start; the control plane's timeout may end it first.
	if d := w.cfg.Instances.StartSeconds.D(); d > 0 {
		select {
		case <-w.clk.After(d):
		case <-ctx.Done():
			return nil, fmt.Errorf("worker: create %s: %w", c.ID, ctx.Err())
		}
	}
	in := api.Instance{
		ID: c.ID, Image: c.Image, Config: maps.Clone(c.Config), State: stateRunning,
		Node: w.cfg.NodeID, CreatedAt: w.clk.Now().UTC(),
	}
	stored, created, err := w.instances.add(in)
	if err != nil {
		w.log.Error(fmt.Sprintf("Could not keep instance %s", c.ID), "error", err)
		return nil, err
	}
	if created {
		w.log.Info(fmt.Sprintf("Created instance %s (%s)", stored.ID, stored.Image))
	}
	return envelope.DataOf(stored)
}

// handleDelete serves api.InstancesDelete; deleting what is not there is
// not an error (Deleted false), so retries are harmless.
func (w *Worker) handleDelete(_ context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	var d api.DeleteInstance
	if err := req.Bind(&d); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if d.ID == "" {
		return nil, fmt.Errorf("%w: instance_id: required", ErrBadRequest)
	}
	existed, err := w.instances.remove(d.ID)
	if err != nil {
		w.log.Error(fmt.Sprintf("Could not delete instance %s", d.ID), "error", err)
		return nil, err
	}
	if existed {
		w.log.Info(fmt.Sprintf("Deleted instance %s", d.ID))
	}
	return envelope.DataOf(api.DeleteResult{ID: d.ID, Deleted: existed})
}

// handleList serves api.InstancesList.
func (w *Worker) handleList(context.Context, *envelope.Envelope) (json.RawMessage, error) {
	list := w.instances.list()
	if list == nil {
		list = []api.Instance{}
	}
	return envelope.DataOf(api.InstanceList{Instances: list})
}

// handleHealth serves api.Health.
func (w *Worker) handleHealth(ctx context.Context, _ *envelope.Envelope) (json.RawMessage, error) {
	return envelope.DataOf(api.WorkerHealth{
		NodeID:        w.cfg.NodeID,
		Status:        api.StatusOnline,
		Instances:     w.instances.len(),
		ConfigVersion: w.conf.version(),
		Resources:     w.resources(ctx),
		TasksExecuted: w.counters.executed.Load(),
	})
}

// handleConfig serves api.ConfigGet: the snapshot applied.
func (w *Worker) handleConfig(context.Context, *envelope.Envelope) (json.RawMessage, error) {
	return envelope.DataOf(w.conf.get())
}
