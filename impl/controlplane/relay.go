package controlplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/breaker"
	"github.com/nngbench/nngbench/impl/envelope"
)

// relayNext spreads relayed commands without a named node over the online
// nodes, round robin.
var relayNext atomic.Uint64

// adminRelay carries a read-only command to a worker (api.AdminRelay).
func (cp *ControlPlane) adminRelay(ctx context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	var r api.Relay
	if err := req.Bind(&r); err != nil {
		return nil, err
	}
	reply, err := cp.Relay(ctx, r)
	if err != nil {
		return nil, err
	}
	return envelope.DataOf(reply)
}

// Relay sends r to its node, or with no node named to an online one,
// through the control plane's client to the workers (timeouts retried
// with backoff, behind each node's breaker): the path a client's command
// takes in a cluster it reaches only through the control plane.
func (cp *ControlPlane) Relay(ctx context.Context, r api.Relay) (api.RelayReply, error) {
	if !slices.Contains(api.RelayEndpoints, r.Endpoint) {
		return api.RelayReply{}, fmt.Errorf("%w: endpoint %q: the relay carries only %v", ErrBadRequest, r.Endpoint, api.RelayEndpoints)
	}
	candidates, err := cp.relayTargets(r.Node)
	if err != nil {
		return api.RelayReply{}, err
	}
	var errs []error
	for _, node := range candidates {
		resp, err := cp.client.Call(ctx, node, r.Endpoint, r.Data)
		if err == nil {
			return api.RelayReply{Node: node, Data: resp.Data}, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", node, err))
		// Another node may answer what this one's open breaker refused;
		// any other failure is the answer (a retry of it is the client's).
		if !errors.Is(err, breaker.ErrOpen) || ctx.Err() != nil {
			break
		}
	}
	return api.RelayReply{}, errors.Join(errs...)
}

// relayTargets is the named node, if online, or every online node,
// starting with the next in turn.
func (cp *ControlPlane) relayTargets(node string) ([]string, error) {
	var online []string
	for _, n := range cp.Nodes() { // sorted by id
		if n.Status == api.StatusOnline {
			online = append(online, n.ID)
		}
	}
	if node != "" {
		if !slices.Contains(online, node) {
			return nil, fmt.Errorf("%w: node %q is not online", ErrNoNodes, node)
		}
		return []string{node}, nil
	}
	if len(online) == 0 {
		return nil, ErrNoNodes
	}
	start := int(relayNext.Add(1) % uint64(len(online))) //nolint:gosec // len > 0
	return append(online[start:], online[:start]...), nil
}
