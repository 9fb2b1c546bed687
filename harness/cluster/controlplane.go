package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/retry"
)

// cpHandle is the control plane, wherever it runs.
type cpHandle interface {
	addresses() map[string]string
	nodes(ctx context.Context) ([]api.Node, error)
	sockets(ctx context.Context) (metrics.Snapshot, error)
	instances(ctx context.Context) ([]api.Instance, error)
	taskStats(ctx context.Context) (api.TaskStats, error)
	config(ctx context.Context) (api.ConfigSnapshot, error)
	close(ctx context.Context) error
}

type embeddedCP struct{ cp *controlplane.ControlPlane }

// cpConfig is the control plane's config, its certificate written first.
func cpConfig(o Options, n *network) (controlplane.Config, error) {
	tls, err := n.tlsFor("controlplane")
	if err != nil {
		return controlplane.Config{}, err
	}
	return controlPlaneConfig(o, n, tls), nil
}

func startEmbeddedCP(ctx context.Context, o Options, n *network) (*embeddedCP, error) {
	cfg, err := cpConfig(o, n)
	if err != nil {
		return nil, err
	}
	cp, err := controlplane.New(cfg, controlplane.Options{Logger: o.Logger, OnEvent: o.OnEvent})
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	if err := cp.Start(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("cluster: %w", err), cp.Close())
	}
	return &embeddedCP{cp: cp}, nil
}

func (e *embeddedCP) addresses() map[string]string                       { return e.cp.Addresses() }
func (e *embeddedCP) nodes(context.Context) ([]api.Node, error)          { return e.cp.Nodes(), nil }
func (e *embeddedCP) sockets(context.Context) (metrics.Snapshot, error)  { return e.cp.Metrics(), nil }
func (e *embeddedCP) instances(context.Context) ([]api.Instance, error)  { return e.cp.Instances(), nil }
func (e *embeddedCP) taskStats(context.Context) (api.TaskStats, error)   { return e.cp.TaskStats(), nil }
func (e *embeddedCP) config(context.Context) (api.ConfigSnapshot, error) { return e.cp.Config(), nil }
func (e *embeddedCP) close(context.Context) error                        { return e.cp.Close() }

// processCP is cmd/controlplane, read through its admin socket.
type processCP struct {
	proc  *Process
	admin *reqrep.Client
}

func startProcessCP(ctx context.Context, o Options, n *network) (*processCP, error) {
	cfg, err := cpConfig(o, n)
	if err != nil {
		return nil, err
	}
	path, err := writeConfig(o.Dir, "controlplane.json", cfg)
	if err != nil {
		return nil, err
	}
	p := newProcess("controlplane", filepath.Join(o.Bin, "controlplane"), path,
		filepath.Join(o.Dir, "controlplane.log"), filepath.Join(o.Dir, "controlplane.ready"), o)
	if err := p.start(ctx); err != nil {
		return nil, err
	}
	c := &processCP{proc: p}
	cli, err := reqrep.NewClient(reqrep.ClientConfig{Name: "harness", Transport: n.clientOptions(),
		Retry: retry.Policy{MaxRetries: retry.Disabled}})
	if err == nil {
		c.admin = cli
		err = cli.AddPeer("admin", p.Ready().Addresses["admin"])
	}
	if err == nil { // the latest config is served where workers ask for it
		err = cli.AddPeer("bind", p.Ready().Addresses["bind"])
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("cluster: admin client: %w", err), c.close(ctx))
	}
	return c, nil
}

func (c *processCP) addresses() map[string]string { return c.proc.Ready().Addresses }

func (c *processCP) nodes(ctx context.Context) ([]api.Node, error) {
	var out []api.Node
	return out, c.call(ctx, api.AdminNodes, &out)
}

func (c *processCP) sockets(ctx context.Context) (metrics.Snapshot, error) {
	var out metrics.Snapshot
	return out, c.call(ctx, api.AdminSockets, &out)
}

func (c *processCP) instances(ctx context.Context) ([]api.Instance, error) {
	var out []api.Instance
	return out, c.call(ctx, api.AdminInstances, &out)
}

func (c *processCP) taskStats(ctx context.Context) (api.TaskStats, error) {
	var out api.TaskStats
	return out, c.call(ctx, api.AdminTasksStatus, &out)
}

func (c *processCP) config(ctx context.Context) (api.ConfigSnapshot, error) {
	var out api.ConfigSnapshot
	return out, c.callOn(ctx, "bind", api.ConfigLatest, &out)
}

func (c *processCP) call(ctx context.Context, endpoint string, out any) error {
	return c.callOn(ctx, "admin", endpoint, out)
}

func (c *processCP) callOn(ctx context.Context, peer, endpoint string, out any) error {
	resp, err := c.admin.Call(ctx, peer, endpoint, nil)
	if err != nil {
		return fmt.Errorf("cluster: controlplane %s: %w", endpoint, err)
	}
	if err := json.Unmarshal(resp.Data, out); err != nil {
		return fmt.Errorf("cluster: controlplane %s: %w", endpoint, err)
	}
	return nil
}

func (c *processCP) close(ctx context.Context) error {
	var err error
	if c.admin != nil {
		err = c.admin.Close()
	}
	return errors.Join(err, c.proc.terminate(ctx))
}
