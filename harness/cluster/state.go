package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/metrics"
)

// The control plane's and the workers' state, read the same way whether the
// control plane is embedded or a process: what the correctness checks
// compare after a run.

// Nodes returns the control plane's registry of workers.
func (c *Cluster) Nodes(ctx context.Context) ([]api.Node, error) { return c.cp.nodes(ctx) }

// Instances returns the control plane's registry of instances.
func (c *Cluster) Instances(ctx context.Context) ([]api.Instance, error) { return c.cp.instances(ctx) }

// TaskStats returns the control plane's task counters.
func (c *Cluster) TaskStats(ctx context.Context) (api.TaskStats, error) { return c.cp.taskStats(ctx) }

// Config returns the control plane's latest config.
func (c *Cluster) Config(ctx context.Context) (api.ConfigSnapshot, error) { return c.cp.config(ctx) }

// Call sends a command to worker through its commands proxy, with the
// harness's own client (no retries), and decodes the reply's data into out
// when out is not nil.
func (c *Cluster) Call(ctx context.Context, worker, endpoint string, in, out any) error {
	var data json.RawMessage
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("cluster: %s %s: %w", worker, endpoint, err)
		}
		data = b
	}
	resp, err := c.cmds.Call(ctx, worker, endpoint, data)
	if err == nil && out != nil {
		err = resp.Bind(out)
	}
	if err != nil {
		return fmt.Errorf("cluster: %s %s: %w", worker, endpoint, err)
	}
	return nil
}

// Journal returns the ids of the tasks worker has executed, one per
// execution, from its journal; none if it has executed nothing.
func (c *Cluster) Journal(worker string) ([]string, error) {
	f, err := os.Open(filepath.Join(c.opts.Dir, worker+".journal"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: journal: %w", err)
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if id := strings.TrimSpace(sc.Text()); id != "" {
			ids = append(ids, id)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cluster: journal of %s: %w", worker, err)
	}
	return ids, nil
}

// Sockets returns the control plane's per-socket counters.
func (c *Cluster) Sockets(ctx context.Context) (metrics.Snapshot, error) { return c.cp.sockets(ctx) }
