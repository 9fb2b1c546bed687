package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/retry"
	"github.com/nngbench/nngbench/impl/transport"
)

// Cluster is a running cluster. Its methods are safe for concurrent use.
type Cluster struct {
	opts   Options
	net    *network
	toxi   *Toxiproxy         // nil with an external server, or without proxies
	client *toxiclient.Client // nil without proxies
	cp     cpHandle
	cmds   *reqrep.Client // the harness's own client of the workers' CommandAddress

	mu       sync.Mutex
	workers  map[string]*Process          // worker processes
	inproc   map[string]*inprocWorker     // workers run as goroutines (inproc)
	commands map[string]string            // where the harness reaches each worker's command socket
	names    []string                     // worker-1..worker-N
	proxies  map[string]*toxiclient.Proxy // by proxyName
	order    []string                     // proxy names in creation order
	started  StartTimes
	launched time.Time // when the first worker was launched
	prefix   string    // of every proxy name: the run's name and a random tag

	closeOnce sync.Once
	closeErr  error
	closed    chan struct{} // closed when Close starts: ends the ctx watcher
	watched   chan struct{} // closed when the ctx watcher has returned
}

// Start brings up toxiproxy (for tcp and tls+tcp), the control plane and
// opts.Workers workers, and returns once every worker is online (through
// its proxies, where there are proxies). On error
// everything started is stopped again. Cancelling ctx later closes the
// cluster (as Close does), so that a harness interrupted with Ctrl-C
// leaves nothing behind; Close must still be called to wait for that.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("cluster: dir: %w", err)
	}
	prefix, err := proxyPrefix(opts.RunName)
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		opts: opts, workers: map[string]*Process{}, inproc: map[string]*inprocWorker{},
		commands: map[string]string{}, proxies: map[string]*toxiclient.Proxy{}, prefix: prefix,
		closed: make(chan struct{}), watched: make(chan struct{}),
	}
	if err := c.boot(ctx); err != nil {
		close(c.watched)
		return nil, errors.Join(err, c.Close(context.WithoutCancel(ctx)))
	}
	go c.watch(ctx)
	return c, nil
}

// watch closes the cluster when ctx ends before Close is called.
func (c *Cluster) watch(ctx context.Context) {
	defer close(c.watched)
	select {
	case <-ctx.Done():
		c.shutdown(context.WithoutCancel(ctx))
	case <-c.closed:
	}
}

func (c *Cluster) boot(ctx context.Context) error {
	var err error
	if c.net, err = newNetwork(c.opts); err != nil {
		return err
	}
	if c.net.proxied() {
		if err := c.startToxiproxy(); err != nil {
			return err
		}
	}
	if c.cmds, err = reqrep.NewClient(reqrep.ClientConfig{Name: "harness", Transport: c.net.clientOptions(),
		Retry: retry.Policy{MaxRetries: retry.Disabled}}); err != nil {
		return fmt.Errorf("cluster: client: %w", err)
	}
	if c.opts.ControlPlane == Separate {
		c.cp, err = startProcessCP(ctx, c.opts, c.net)
	} else {
		c.cp, err = startEmbeddedCP(ctx, c.opts, c.net)
	}
	if err != nil {
		c.cp = nil
		return err
	}
	if c.opts.Transport != Inproc {
		if err := raiseFileLimit(c.opts.Workers, fileNeed(c.opts)); err != nil {
			return err
		}
	}
	if err := c.startWorkers(ctx); err != nil {
		return err
	}
	if err := c.waitOnline(ctx); err != nil {
		return err
	}
	c.mu.Lock()
	if !c.launched.IsZero() {
		c.started.Online = time.Since(c.launched)
	}
	c.mu.Unlock()
	return nil
}

// startToxiproxy starts the embedded toxiproxy, or connects to the
// external one.
func (c *Cluster) startToxiproxy() error {
	url := c.opts.ToxiproxyURL
	if url == "" {
		t, err := NewToxiproxy()
		if err != nil {
			return err
		}
		c.toxi, url = t, t.URL()
	}
	var err error
	c.client, err = newToxiClient(url)
	return err
}

// Worker returns the process of worker name ("worker-N"); nil for an
// unknown worker, and for every worker with transport inproc, whose
// workers are goroutines of this process and have no process to signal.
func (c *Cluster) Worker(name string) *Process {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.workers[name]
}

// Workers returns the workers' names, worker-1 first.
func (c *Cluster) Workers() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.names)
}

// Proxy returns the proxy of worker's link (one of api.Links), or nil
// (always nil with ipc and inproc, which have no proxies).
func (c *Cluster) Proxy(worker, link string) *toxiclient.Proxy {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proxies[c.proxyName(worker, link)]
}

// Proxies returns every proxy, in creation order.
func (c *Cluster) Proxies() []*toxiclient.Proxy {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*toxiclient.Proxy, 0, len(c.order))
	for _, n := range c.order {
		out = append(out, c.proxies[n])
	}
	return out
}

// Toxiproxy returns the client of the toxiproxy server in use, or nil
// when the transport has no proxies.
func (c *Cluster) Toxiproxy() *toxiclient.Client { return c.client }

// ControlPlane returns the embedded control plane, or nil in Separate mode.
func (c *Cluster) ControlPlane() *controlplane.ControlPlane {
	if e, ok := c.cp.(*embeddedCP); ok {
		return e.cp
	}
	return nil
}

// Addresses returns the control plane's bound addresses by role ("bind",
// "pub", "tasks", "results", "admin", "metrics"), as in api.Ready.
func (c *Cluster) Addresses() map[string]string { return c.cp.addresses() }

// Transport is the scheme of every link: tcp, tls+tcp, ipc or inproc.
func (c *Cluster) Transport() string { return c.opts.Transport }

// CommandAddress is where the harness reaches worker's command socket:
// through its commands proxy (tcp, tls+tcp), so that the proxy's faults
// apply, as they do to the control plane's commands; the socket itself
// with ipc and inproc. "" for an unknown worker. Dial it with
// ClientTransport's options.
func (c *Cluster) CommandAddress(worker string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.commands[worker]
}

// ClientTransport returns the options a client of the cluster's sockets
// needs (give them to reqrep.ClientConfig.Transport): with tls+tcp, the
// harness's certificate, signed by the cluster's CA, and that CA to verify
// the servers with (each call returns its own copy); the zero Options
// otherwise.
func (c *Cluster) ClientTransport() transport.Options { return c.net.clientOptions() }

// Dir is where configs, logs, ready files and journals are.
func (c *Cluster) Dir() string { return c.opts.Dir }
