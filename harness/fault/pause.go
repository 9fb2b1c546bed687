package fault

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/nngbench/nngbench/harness/scenario"
)

// Pause stops each target's process group (SIGSTOP); Undo resumes it
// (SIGCONT). Undo signals every target each time it is called, so no
// process stays stopped whatever happened in between.
type Pause struct{}

var _ Injector = Pause{}

// Inject stops the processes.
func (Pause) Inject(ctx context.Context, f scenario.Fault, t Target) (Undo, error) {
	names, procs, err := processesOf(f, t)
	if err != nil {
		return nil, err
	}
	undo := func(context.Context) error {
		var errs []error
		for i, p := range procs {
			if err := p.Cont(); err != nil {
				errs = append(errs, fmt.Errorf("fault: continue %s: %w", names[i], err))
			}
		}
		return errors.Join(errs...)
	}
	for i, p := range procs {
		if err := p.Stop(syscall.SIGSTOP); err != nil {
			err = fmt.Errorf("fault: pause %s: %w", names[i], err)
			return nil, errors.Join(err, undo(ctx))
		}
	}
	return undo, nil
}
