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
	implworker "github.com/nngbench/nngbench/impl/worker"
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
	resp, err := c.command(ctx, worker, endpoint, data)
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

// ConfigReceipt is a config receipt read back from a worker's config
// journal. N numbers the receipts of one process instance of the worker
// from 1, as its api.ConfigHistory does while it runs.
type ConfigReceipt struct {
	api.ConfigReceipt
	// Boot is the process instance that numbered it: 0 for the first in
	// the journal, 1 after the first restart, and so on.
	Boot int
	// BootID is that instance's api.ConfigHistory.Boot.
	BootID string
}

// ConfigReceipts returns every config receipt of worker, in the order
// received, across its restarts (kill -9 included: the journal loses at
// most a line being written), from its config journal; none if there is
// no journal yet. A malformed line is an error naming the file and line.
func (c *Cluster) ConfigReceipts(worker string) ([]ConfigReceipt, error) {
	boots, err := implworker.ReadConfigJournal(configJournalPath(c.opts.Dir, worker))
	if err != nil {
		return nil, fmt.Errorf("cluster: config receipts of %s: %w", worker, err)
	}
	var out []ConfigReceipt
	for i, b := range boots {
		for _, r := range b.Receipts {
			out = append(out, ConfigReceipt{ConfigReceipt: r, Boot: i, BootID: b.ID})
		}
	}
	return out, nil
}

// Sockets returns the control plane's per-socket counters.
func (c *Cluster) Sockets(ctx context.Context) (metrics.Snapshot, error) { return c.cp.sockets(ctx) }

// ControlPlaneProcess is the control plane's process when it runs as one
// (Options.ControlPlane Separate), for faults that kill, pause or restart
// it; nil when it is embedded.
func (c *Cluster) ControlPlaneProcess() *Process {
	if p, ok := c.cp.(*processCP); ok {
		return p.proc
	}
	return nil
}

// CreateInstance has the control plane place an instance, embedded or a
// process alike.
func (c *Cluster) CreateInstance(ctx context.Context, req api.CreateInstance) (api.Instance, error) {
	var inst api.Instance
	var err error
	switch cp := c.cp.(type) {
	case *embeddedCP:
		inst, err = cp.cp.CreateInstance(ctx, req)
	case *processCP:
		err = cp.callWith(ctx, "admin", api.AdminCreateInstance, req, &inst)
	}
	if err != nil {
		return inst, fmt.Errorf("cluster: create instance %s: %w", req.ID, err)
	}
	return inst, nil
}
