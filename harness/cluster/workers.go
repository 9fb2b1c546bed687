package cluster

import (
	"context"
	"fmt"
	"path/filepath"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/nngbench/nngbench/impl/api"
)

// cpLinks maps the worker-to-control-plane links to the control plane's
// address roles they lead to.
var cpLinks = []struct{ link, role string }{
	{"heartbeats", "bind"}, {"broadcasts", "pub"}, {"tasks", "tasks"}, {"results", "results"},
}

// startWorker creates the worker's five proxies, writes its config and
// starts it.
func (c *Cluster) startWorker(ctx context.Context, name string) error {
	addrs := c.cp.addresses()
	via := map[string]string{}
	for _, l := range cpLinks {
		up, err := hostPort(addrs[l.role])
		if err != nil {
			return err
		}
		p, err := c.addProxy(name, l.link, up)
		if err != nil {
			return err
		}
		via[l.link] = "tcp://" + p.Listen
	}
	bind, err := freePort()
	if err != nil {
		return err
	}
	cmd, err := c.addProxy(name, "commands", bind)
	if err != nil {
		return err
	}
	links := workerLinks{
		bind: "tcp://" + bind, advertise: "tcp://" + cmd.Listen, controlPlane: via["heartbeats"],
		sub: via["broadcasts"], tasks: via["tasks"], results: via["results"],
	}
	path, err := writeConfig(c.opts.Dir, name+".json", workerConfig(c.opts, name, links))
	if err != nil {
		return err
	}
	p := newProcess(name, filepath.Join(c.opts.Bin, "worker"), path,
		filepath.Join(c.opts.Dir, name+".log"), filepath.Join(c.opts.Dir, name+".ready"), c.opts)
	c.mu.Lock()
	c.workers[name] = p
	c.names = append(c.names, name)
	c.mu.Unlock()
	if err := p.start(ctx); err != nil {
		return err
	}
	if err := c.cmds.AddPeer(name, links.advertise); err != nil {
		return fmt.Errorf("cluster: %s: %w", name, err)
	}
	return nil
}

// addProxy creates worker/link on a free loopback port in front of upstream.
func (c *Cluster) addProxy(worker, link, upstream string) (*toxiclient.Proxy, error) {
	name := proxyName(worker, link)
	p, err := c.client.CreateProxy(name, "127.0.0.1:0", upstream)
	if err != nil {
		return nil, fmt.Errorf("cluster: proxy %s: %w", name, err)
	}
	c.mu.Lock()
	c.proxies[name] = p
	c.order = append(c.order, name)
	c.mu.Unlock()
	return p, nil
}

// Health asks worker for its /health through its commands proxy, with the
// harness's own client (no retries), so the proxy's toxics apply.
func (c *Cluster) Health(ctx context.Context, worker string) (api.WorkerHealth, error) {
	var h api.WorkerHealth
	resp, err := c.cmds.Call(ctx, worker, api.Health, nil)
	if err != nil {
		return h, fmt.Errorf("cluster: %s %s: %w", worker, api.Health, err)
	}
	if err := resp.Bind(&h); err != nil {
		return h, fmt.Errorf("cluster: %s %s: %w", worker, api.Health, err)
	}
	return h, nil
}
