package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

// Process is one program of the cluster (a worker, or the control plane in
// Process mode), run in its own process group with its stdout and stderr
// appended to its log file. Its methods are safe for concurrent use.
type Process struct {
	name, binary   string
	args           []string
	logFile, ready string
	readyTimeout   time.Duration
	grace          time.Duration
	key            []byte // PEM private key, handed to every run on fd 3 (childKeyFile); nil: none

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed once cmd is reaped
	waitErr error         // set before done is closed
	info    api.Ready
}

func newProcess(name, binary, config, logFile, ready string, o Options) *Process {
	return &Process{
		name: name, binary: binary, args: []string{"-config", config, "-ready-file", ready},
		logFile: logFile, ready: ready, readyTimeout: o.ReadyTimeout, grace: o.StopGrace,
	}
}

// Name is the node id (worker-N) or "controlplane".
func (p *Process) Name() string { return p.name }

// Log is the path of the program's output.
func (p *Process) Log() string { return p.logFile }

// Pid is the process id of the current run (also its process group id);
// 0 before the first start.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Ready is what the current run wrote to its ready file: its bound addresses.
func (p *Process) Ready() api.Ready {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.info
}

// Exited is closed when the current run has ended and been reaped.
func (p *Process) Exited() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

// start launches the program and waits for its ready file.
func (p *Process) start(ctx context.Context) error {
	if err := p.launch(); err != nil {
		return err
	}
	info, err := p.waitReady(ctx)
	if err != nil {
		return errors.Join(err, p.terminate(context.WithoutCancel(ctx)))
	}
	p.mu.Lock()
	p.info = info
	p.mu.Unlock()
	return nil
}

func (p *Process) launch() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done != nil {
		select {
		case <-p.done:
		default:
			return fmt.Errorf("cluster: %s: already running (pid %d)", p.name, p.cmd.Process.Pid)
		}
	}
	if err := os.Remove(p.ready); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cluster: %s: %w", p.name, err)
	}
	logf, err := os.OpenFile(p.logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("cluster: %s: %w", p.name, err)
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(p.binary, p.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if p.key != nil {
		r, err := keyPipe(p.key)
		if err != nil {
			return fmt.Errorf("cluster: %s: %w", p.name, err)
		}
		defer r.Close() // likewise
		cmd.ExtraFiles = []*os.File{r}
	}
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cluster: start %s: %w", p.name, err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.info = cmd, done, api.Ready{}
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// waitReady polls for the ready file until the deadline, the context's
// end, or the process's exit.
func (p *Process) waitReady(ctx context.Context) (api.Ready, error) {
	ctx, cancel := context.WithTimeout(ctx, p.readyTimeout)
	defer cancel()
	done := p.Exited()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(p.ready); err == nil {
			var r api.Ready
			if err := json.Unmarshal(b, &r); err != nil {
				return r, fmt.Errorf("cluster: %s: ready file: %w", p.name, err)
			}
			return r, nil
		}
		select {
		case <-done:
			p.mu.Lock()
			werr := p.waitErr
			p.mu.Unlock()
			return api.Ready{}, fmt.Errorf("%w: %s before it was ready (%v); see %s", ErrProcessExited, p.name, werr, p.logFile)
		case <-ctx.Done():
			return api.Ready{}, fmt.Errorf("%w: %s: no ready file: %w; see %s", ErrNotReady, p.name, ctx.Err(), p.logFile)
		case <-tick.C:
		}
	}
}
