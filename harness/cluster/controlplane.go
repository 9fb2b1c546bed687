package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

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

// cpConfig is the control plane's config, its certificate written first,
// and its private key (tls+tcp only), for the caller to hand over.
func cpConfig(o Options, n *network) (controlplane.Config, []byte, error) {
	tls, key, err := n.tlsFor(controlPlaneName)
	if err != nil {
		return controlplane.Config{}, nil, err
	}
	return controlPlaneConfig(o, n, tls), key, nil
}

func startEmbeddedCP(ctx context.Context, o Options, n *network) (*embeddedCP, error) {
	cfg, key, err := cpConfig(o, n)
	if err != nil {
		return nil, err
	}
	if key != nil { // read at Start, from this process's own pipe
		r, err := keyPipe(key)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		cfg.Messaging.TLS.KeyFile = ownKeyFile(r)
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
	cfg, key, err := cpConfig(o, n)
	if err != nil {
		return nil, err
	}
	if key != nil {
		cfg.Messaging.TLS.KeyFile = childKeyFile
	}
	if err := fixPorts(&cfg, n); err != nil {
		return nil, err
	}
	path, err := writeConfig(o.Dir, "controlplane.json", cfg)
	if err != nil {
		return nil, err
	}
	p := newProcess("controlplane", filepath.Join(o.Bin, "controlplane"), path,
		filepath.Join(o.Dir, "controlplane.log"), filepath.Join(o.Dir, "controlplane.ready"), o)
	p.key = key
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

// fixPorts gives each of the control plane's tcp sockets a port of its
// own, chosen now, instead of port 0: a control plane killed or restarted
// by a fault comes back where the proxies and workers expect it.
func fixPorts(cfg *controlplane.Config, n *network) error {
	m := &cfg.Messaging
	if !strings.HasSuffix(m.BindAddress, ":0") {
		return nil // ipc: the socket paths stay as they are
	}
	for _, a := range []*string{&m.BindAddress, &m.PubAddress, &m.TaskAddress, &m.ResultAddress, &m.AdminAddress, &m.SurveyAddress} {
		port, err := freePort()
		if err != nil {
			return err
		}
		*a = n.url(port)
	}
	return nil
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
	return c.callWith(ctx, peer, endpoint, nil, out)
}

// callWith sends in (JSON, nil for none) to endpoint at peer and decodes
// the reply's data into out.
func (c *processCP) callWith(ctx context.Context, peer, endpoint string, in, out any) error {
	var data json.RawMessage
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("cluster: controlplane %s: %w", endpoint, err)
		}
		data = b
	}
	resp, err := c.admin.Call(ctx, peer, endpoint, data)
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
