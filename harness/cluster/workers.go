package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/retry"
)

// cpLinks maps the worker-to-control-plane links to the control plane's
// address roles they lead to.
var cpLinks = []struct{ link, role string }{
	{"heartbeats", "bind"}, {"broadcasts", "pub"}, {"tasks", "tasks"}, {"results", "results"}, {"surveys", "survey"},
}

// startWorkers starts the workers: their links, configs and names in
// turn (so that names and proxies keep their order), then the processes in
// parallel, at most Options.StartParallel at a time, each waited on for
// its ready file. A thousand workers started one by one take nearly a
// minute; started together, the machine's cores set the pace.
func (c *Cluster) startWorkers(ctx context.Context) error {
	names := make([]string, c.opts.Workers)
	for i := range names {
		names[i] = fmt.Sprintf("worker-%d", i+1)
		if err := c.prepareWorker(ctx, names[i]); err != nil {
			return err
		}
	}
	if c.opts.Transport != Inproc {
		if err := c.launchWorkers(ctx, names); err != nil {
			return err
		}
		c.mu.Lock()
		c.started.Ready = time.Since(c.launched)
		c.mu.Unlock()
	}
	if c.transient() {
		return nil // the harness's commands each dial their own connection
	}
	for _, name := range names {
		if err := c.cmds.AddPeer(name, c.CommandAddress(name)); err != nil {
			return fmt.Errorf("cluster: %s: %w", name, err)
		}
	}
	return nil
}

// transientAbove is the worker count above which the harness's own client
// holds no connection to each worker between its commands: with a
// thousand workers the three descriptors each such connection costs this
// process (its socket, the proxy's accepted and upstream connections) are
// what would break the descriptor limit.
const transientAbove = 256

func (c *Cluster) transient() bool { return c.opts.Workers > transientAbove }

// command sends endpoint to worker with the harness's own client: its
// standing peer, or above transientAbove workers a connection of the
// call's own, closed after it.
func (c *Cluster) command(ctx context.Context, worker, endpoint string, data json.RawMessage) (*envelope.Envelope, error) {
	if !c.transient() {
		return c.cmds.Call(ctx, worker, endpoint, data)
	}
	addr := c.CommandAddress(worker)
	if addr == "" {
		return nil, fmt.Errorf("cluster: no worker %s", worker)
	}
	cli, err := reqrep.NewClient(reqrep.ClientConfig{Name: "harness", Transport: c.net.clientOptions(),
		Retry: retry.Policy{MaxRetries: retry.Disabled}})
	if err != nil {
		return nil, fmt.Errorf("cluster: client: %w", err)
	}
	defer cli.Close()
	if err := cli.AddPeer(worker, addr); err != nil {
		return nil, fmt.Errorf("cluster: %s: %w", worker, err)
	}
	return cli.Call(ctx, worker, endpoint, data)
}

// prepareWorker gives the worker its links (its six proxies, where links
// are proxied) and writes its config; with inproc it starts it too, as
// goroutines of this process.
func (c *Cluster) prepareWorker(ctx context.Context, name string) error {
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
		return c.startInproc(ctx, name, cfg)
	}
	p := newProcess(name, filepath.Join(c.opts.Bin, "worker"), path,
		filepath.Join(c.opts.Dir, name+".log"), filepath.Join(c.opts.Dir, name+".ready"), c.opts)
	p.key = key
	c.mu.Lock()
	c.workers[name] = p
	c.mu.Unlock()
	return nil
}

// launchWorkers starts the prepared processes, StartParallel at a time;
// the first failure stops the launching and is returned (the cluster's
// Close stops what did start).
func (c *Cluster) launchWorkers(ctx context.Context, names []string) error {
	c.mu.Lock()
	c.launched = time.Now()
	c.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, c.opts.StartParallel)
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if errs[i] = c.Worker(name).start(ctx); errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return errors.Join(errs...) // only cancellations: ctx's own end
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

// addProxy creates worker/link in front of upstream, listening on a
// loopback port below the ephemeral range (see freePort): one that another
// program took between the pick and the proxy's bind is skipped.
func (c *Cluster) addProxy(worker, link, upstream string) (*toxiclient.Proxy, error) {
	name := c.proxyName(worker, link)
	var p *toxiclient.Proxy
	var err error
	for range portTries {
		var listen string
		if listen, err = freePort(); err != nil {
			return nil, err
		}
		if p, err = c.client.CreateProxy(name, listen, upstream); err == nil || !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
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
	resp, err := c.command(ctx, worker, api.Health, nil)
	if err != nil {
		return h, fmt.Errorf("cluster: %s %s: %w", worker, api.Health, err)
	}
	if err := resp.Bind(&h); err != nil {
		return h, fmt.Errorf("cluster: %s %s: %w", worker, api.Health, err)
	}
	return h, nil
}
