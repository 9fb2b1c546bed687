package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/worker"
)

// inprocWorker is a worker run as goroutines of this process (transport
// inproc), through impl/worker's public API, logging to its own file as a
// process would.
type inprocWorker struct {
	w   *worker.Worker
	log *os.File
}

// startInproc starts worker name in this process with cfg.
func (c *Cluster) startInproc(ctx context.Context, name string, cfg worker.Config) error {
	logf, err := os.OpenFile(filepath.Join(c.opts.Dir, name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("cluster: %s: %w", name, err)
	}
	level, _ := logging.ParseLevel(cfg.LogLevel) // validated by worker.New
	w, err := worker.New(cfg, worker.Options{Logger: logging.New(logf, level)})
	if err != nil {
		return errors.Join(fmt.Errorf("cluster: %s: %w", name, err), logf.Close())
	}
	if err := w.Start(ctx); err != nil { // Start closes what it opened
		return errors.Join(fmt.Errorf("cluster: %s: %w", name, err), logf.Close())
	}
	c.mu.Lock()
	c.inproc[name] = &inprocWorker{w: w, log: logf}
	c.mu.Unlock()
	return nil
}

// close stops the worker and waits for its goroutines.
func (iw *inprocWorker) close() error {
	return errors.Join(iw.w.Close(), iw.log.Close())
}
