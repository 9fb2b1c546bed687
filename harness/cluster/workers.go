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
	{"heartbeats", "bind"}, {"broadcasts", "pub"}, {"tasks", "tasks"}, {"results", "results"}, {"surveys", "survey"},
}

// startWorker gives the worker its links (its six proxies, where links
// are proxied), writes its config and starts it: as a process, or with
// inproc as goroutines of this process.
func (c *Cluster) startWorker(ctx context.Context, name string) error {
	links, err := c.workerLinks(name)
	if err != nil {
		return err
	}
	tls, key, err := c.net.tlsFor(name)
	if err != nil {
		return err
	}
	if key != nil {
		tls.KeyFile = childKeyFile
	}
	cfg := workerConfig(c.opts, name, links, tls)
	path, err := writeConfig(c.opts.Dir, name+".json", cfg)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.names = append(c.names, name)
	c.commands[name] = links.advertise
	c.mu.Unlock()
	if c.opts.Transport == Inproc {
		err = c.startInproc(ctx, name, cfg)
	} else {
		p := newProcess(name, filepath.Join(c.opts.Bin, "worker"), path,
			filepath.Join(c.opts.Dir, name+".log"), filepath.Join(c.opts.Dir, name+".ready"), c.opts)
		p.key = key
		c.mu.Lock()
		c.workers[name] = p
		c.mu.Unlock()
		err = p.start(ctx)
	}
	if err != nil {
		return err
	}
	if err := c.cmds.AddPeer(name, links.advertise); err != nil {
		return fmt.Errorf("cluster: %s: %w", name, err)
	}
	return nil
}

// workerLinks are the addresses of the worker's links: the listen
// addresses of six new proxies (commands in front of the worker's own
// socket, the others in front of the control plane's), or without
// proxies the sockets themselves.
func (c *Cluster) workerLinks(name string) (workerLinks, error) {
	addrs := c.cp.addresses()
	if !c.net.proxied() {
		bind := c.net.listenAddress(name + ".cmd")
		return workerLinks{bind: bind, advertise: bind, controlPlane: addrs["bind"], sub: addrs["pub"],
			tasks: addrs["tasks"], results: addrs["results"], surveys: addrs["survey"]}, nil
	}
	via := map[string]string{}
	for _, l := range cpLinks {
		up, err := c.net.hostPort(addrs[l.role])
		if err != nil {
			return workerLinks{}, err
		}
		p, err := c.addProxy(name, l.link, up)
		if err != nil {
			return workerLinks{}, err
		}
		via[l.link] = c.net.url(p.Listen)
	}
	bind, err := freePort()
	if err != nil {
		return workerLinks{}, err
	}
	cmd, err := c.addProxy(name, "commands", bind)
	if err != nil {
		return workerLinks{}, err
	}
	return workerLinks{
		bind: c.net.url(bind), advertise: c.net.url(cmd.Listen), controlPlane: via["heartbeats"],
		sub: via["broadcasts"], tasks: via["tasks"], results: via["results"], surveys: via["surveys"],
	}, nil
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

// Health asks worker for its /health at its CommandAddress (through its
// commands proxy, where there is one, so the proxy's toxics apply), with
// the harness's own client (no retries).
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
