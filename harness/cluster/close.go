package cluster

import (
	"context"
	"errors"
	"fmt"
	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"sync"
)

// Close stops every worker (SIGTERM to its process group, SIGKILL after
// Options.StopGrace or when ctx ends; an inproc worker is closed and its
// goroutines waited for), removes every proxy with its toxics,
// stops the control plane and the embedded toxiproxy, and returns once
// every process is reaped. It is idempotent: later calls return the first
// call's error.
func (c *Cluster) Close(ctx context.Context) error {
	c.shutdown(ctx)
	<-c.watched
	return c.closeErr
}

func (c *Cluster) shutdown(ctx context.Context) {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.closeErr = c.teardown(ctx)
	})
}

func (c *Cluster) teardown(ctx context.Context) error {
	errs := []error{c.stopWorkers(ctx), c.removeProxies()}
	if c.cp != nil {
		errs = append(errs, c.cp.close(ctx))
	}
	if c.cmds != nil {
		errs = append(errs, c.cmds.Close())
	}
	if c.toxi != nil {
		errs = append(errs, c.toxi.Close(ctx))
	}
	errs = append(errs, c.net.close())
	closeIdleHTTP()
	return errors.Join(errs...)
}

// stopWorkers stops every worker at once, process or goroutines, and
// waits for all.
func (c *Cluster) stopWorkers(ctx context.Context) error {
	c.mu.Lock()
	stops := make([]func() error, 0, len(c.workers)+len(c.inproc))
	for _, p := range c.workers {
		stops = append(stops, func() error { return p.terminate(ctx) })
	}
	for _, iw := range c.inproc {
		stops = append(stops, iw.close)
	}
	c.mu.Unlock()
	errs := make([]error, len(stops))
	var wg sync.WaitGroup
	for i, stop := range stops {
		wg.Go(func() { errs[i] = stop() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// removeProxies deletes every proxy the cluster created (with its toxics).
func (c *Cluster) removeProxies() error {
	if c.client == nil {
		return nil
	}
	c.mu.Lock()
	names := c.order
	c.order, c.proxies = nil, map[string]*toxiclient.Proxy{}
	c.mu.Unlock()
	var errs []error
	for _, n := range names {
		p, err := c.client.Proxy(n)
		if err == nil {
			err = p.Delete()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("cluster: remove proxy %s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}
