package fault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nngbench/nngbench/harness/scenario"
)

// Kill sends SIGKILL to each target's process group and waits until it is
// reaped. With RestartAfter > 0 it starts the processes again after that
// delay, in the background, bounded by Inject's ctx; Undo waits for that
// restart (or, when its own ctx ends first, cancels it) and returns its
// error. Without RestartAfter, Undo does nothing: the processes stay dead.
type Kill struct{}

var (
	_ Injector  = Kill{}
	_ Scheduler = Kill{}
)

// HealAfter is RestartAfter, so that a Timeline heals (waits for the
// restart) then; a kill without restart lasts until the end of the run.
func (Kill) HealAfter(f scenario.Fault) (time.Duration, bool) {
	return f.RestartAfter, f.RestartAfter > 0
}

// Inject kills the processes.
func (Kill) Inject(ctx context.Context, f scenario.Fault, t Target) (Undo, error) {
	names, procs, err := processesOf(f, t)
	if err != nil {
		return nil, err
	}
	var killed []Process
	for i, p := range procs {
		if err := p.Kill(); err != nil {
			err = fmt.Errorf("fault: kill %s: %w", names[i], err)
			return nil, errors.Join(err, restartAll(context.WithoutCancel(ctx), killed))
		}
		killed = append(killed, p)
	}
	if f.RestartAfter <= 0 {
		return func(context.Context) error { return nil }, nil
	}
	return restartLater(ctx, f.RestartAfter, killed), nil
}

// restartLater restarts procs after d in a goroutine, and returns the Undo
// that waits for it.
func restartLater(ctx context.Context, d time.Duration, procs []Process) Undo {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
			err = restartAll(ctx, procs)
		case <-ctx.Done():
			err = fmt.Errorf("fault: kill: restart after %v: %w", d, ctx.Err())
		}
	}()
	return func(uctx context.Context) error {
		select {
		case <-done:
		case <-uctx.Done():
			cancel()
			<-done // Restart honours its ctx, so this ends
		}
		cancel()
		return err
	}
}

func restartAll(ctx context.Context, procs []Process) error {
	var errs []error
	for _, p := range procs {
		if err := p.Restart(ctx); err != nil {
			errs = append(errs, fmt.Errorf("fault: restart: %w", err))
		}
	}
	return errors.Join(errs...)
}
