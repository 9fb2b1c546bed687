package cluster

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

// Sockets of the control plane whose connection counts prove the
// broadcasts, tasks and results links (named by controlplane.Default's
// node id).
var streamSockets = map[string]string{
	"broadcasts": "controlplane/pub", "tasks": "controlplane/tasks", "results": "controlplane/results",
}

// waitOnline waits, up to Options.ReadyTimeout, until every worker is
// online at its CommandAddress (with proxies: its registration came
// through its heartbeats proxy, which heartbeats take too), its stream
// links are connected (the control plane counts N connections on each
// stream socket, which workers reach only through their links) and a
// /health call to its CommandAddress answers.
func (c *Cluster) waitOnline(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.ReadyTimeout)
	defer cancel()
	healthy := map[string]bool{}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		missing := c.missing(ctx, healthy)
		if len(missing) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: after %v: %s: %w", ErrNotReady, c.opts.ReadyTimeout, strings.Join(missing, "; "), ctx.Err())
		case <-tick.C:
		}
	}
}

// missing lists what is not yet up.
func (c *Cluster) missing(ctx context.Context, healthy map[string]bool) []string {
	var out []string
	nodes, err := c.cp.nodes(ctx)
	if err != nil {
		return []string{err.Error()}
	}
	byID := map[string]api.Node{}
	for _, n := range nodes {
		byID[n.ID] = n
	}
	for _, w := range c.Workers() {
		out = append(out, c.missingWorker(ctx, w, byID[w], healthy)...)
	}
	snap, err := c.cp.sockets(ctx)
	if err != nil {
		return append(out, err.Error())
	}
	for link, sock := range streamSockets {
		if s, ok := snap.Socket(sock); !ok || s.Connections < int64(c.opts.Workers) {
			out = append(out, fmt.Sprintf("%s: %d of %d connected", link, s.Connections, c.opts.Workers))
		}
	}
	return out
}

func (c *Cluster) missingWorker(ctx context.Context, w string, n api.Node, healthy map[string]bool) []string {
	advertise := c.CommandAddress(w)
	switch {
	case n.Status != api.StatusOnline:
		return []string{w + ": not online"}
	case n.Address != advertise:
		return []string{fmt.Sprintf("%s: registered at %s, want %s", w, n.Address, advertise)}
	}
	var out []string
	if !healthy[w] {
		hctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := c.Health(hctx, w)
		cancel()
		healthy[w] = err == nil
		if err != nil {
			out = append(out, err.Error())
		}
	}
	return out
}
