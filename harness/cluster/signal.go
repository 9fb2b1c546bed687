package cluster

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"
)

// Stop sends sig to the program's whole process group and returns: SIGSTOP
// pauses it (Cont resumes), SIGTERM asks it to end. It does not wait.
func (p *Process) Stop(sig syscall.Signal) error { return p.signal(sig) }

// Cont resumes a paused process group (SIGCONT).
func (p *Process) Cont() error { return p.signal(syscall.SIGCONT) }

// Kill sends SIGKILL to the process group and waits until the process is
// reaped.
func (p *Process) Kill() error {
	done := p.Exited()
	if done == nil {
		return nil
	}
	if err := p.signal(syscall.SIGKILL); err != nil {
		return err
	}
	<-done // SIGKILL cannot be ignored: this ends
	return nil
}

// Restart stops the program if it runs (SIGTERM, SIGKILL after the grace
// period) and starts it again with the same config, waiting for its ready
// file.
func (p *Process) Restart(ctx context.Context) error {
	if err := p.terminate(ctx); err != nil {
		return err
	}
	return p.start(ctx)
}

// signal signals the process group of a running process; a process that
// has ended is not an error.
func (p *Process) signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return fmt.Errorf("cluster: %s: not started", p.name)
	}
	select {
	case <-p.done:
		return nil
	default:
	}
	// The group id is the pid (Setpgid). The group may outlive its leader
	// for a moment, hence signalling the group and not the process.
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("cluster: %s: signal %v: %w", p.name, sig, err)
	}
	return nil
}

// terminate asks the group to end (SIGTERM, and SIGCONT in case it was
// paused), waits the grace period or until ctx ends, then kills it. It
// always returns with the process reaped.
func (p *Process) terminate(ctx context.Context) error {
	done := p.Exited()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	default:
	}
	err := errors.Join(p.signal(syscall.SIGTERM), p.signal(syscall.SIGCONT))
	timer := time.NewTimer(p.grace)
	defer timer.Stop()
	select {
	case <-done:
		return err
	case <-timer.C:
		err = errors.Join(err, fmt.Errorf("cluster: %s ignored SIGTERM for %v", p.name, p.grace))
	case <-ctx.Done():
	}
	return errors.Join(err, p.Kill())
}
