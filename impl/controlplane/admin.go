package controlplane

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/reqrep"
)

// handleAdmin routes the admin API (cpctl, programs that drive a control
// plane from outside). It also serves api.ConfigLatest, which api has no
// admin twin of, so that "cpctl config get" needs only the admin address.
func (cp *ControlPlane) handleAdmin(s *reqrep.Server) {
	s.Handle(api.AdminNodes, func(context.Context, *envelope.Envelope) (json.RawMessage, error) {
		return envelope.DataOf(cp.Nodes())
	})
	s.Handle(api.AdminInstances, func(context.Context, *envelope.Envelope) (json.RawMessage, error) {
		return envelope.DataOf(cp.Instances())
	})
	s.Handle(api.AdminSockets, func(context.Context, *envelope.Envelope) (json.RawMessage, error) {
		return envelope.DataOf(cp.Metrics())
	})
	s.Handle(api.AdminTasksStatus, func(context.Context, *envelope.Envelope) (json.RawMessage, error) {
		return envelope.DataOf(cp.TaskStats())
	})
	s.Handle(api.ConfigLatest, cp.onConfigLatest)
	s.Handle(api.AdminCreateInstance, cp.adminCreate)
	s.Handle(api.AdminDeleteInstance, cp.adminDelete)
	s.Handle(api.AdminConfigSet, cp.adminConfigSet)
	s.Handle(api.AdminTasksSubmit, cp.adminSubmit)
	s.Handle(api.AdminRelay, cp.adminRelay)
}

func (cp *ControlPlane) adminCreate(ctx context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	var c api.CreateInstance
	if err := req.Bind(&c); err != nil {
		return nil, err
	}
	inst, err := cp.CreateInstance(ctx, c)
	if err != nil {
		return nil, err
	}
	return envelope.DataOf(inst)
}

func (cp *ControlPlane) adminDelete(ctx context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	var d api.DeleteInstance
	if err := req.Bind(&d); err != nil {
		return nil, err
	}
	if d.ID == "" {
		return nil, fmt.Errorf("%w: instance_id: required", ErrBadRequest)
	}
	if err := cp.DeleteInstance(ctx, d.ID); err != nil {
		return nil, err
	}
	return envelope.DataOf(api.DeleteResult{ID: d.ID, Deleted: true})
}

func (cp *ControlPlane) adminConfigSet(ctx context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	var c api.ConfigSet
	if err := req.Bind(&c); err != nil {
		return nil, err
	}
	snap, err := cp.SetConfig(ctx, c.Values)
	if err != nil {
		return nil, err
	}
	return envelope.DataOf(snap)
}

func (cp *ControlPlane) adminSubmit(_ context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	var tasks []api.Task
	if err := req.Bind(&tasks); err != nil {
		return nil, err
	}
	if err := cp.SubmitTasks(tasks); err != nil {
		return nil, err
	}
	return envelope.DataOf(api.TaskSubmitted{Accepted: len(tasks)})
}
