package fault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nngbench/nngbench/harness/scenario"
)

// Restart stops each target gracefully (SIGTERM, SIGKILL after the
// cluster's grace period) and starts it again, returning once it is ready.
// There is nothing to heal: Undo does nothing.
type Restart struct{}

var (
	_ Injector  = Restart{}
	_ Scheduler = Restart{}
)

// HealAfter is 0: a restart is over once Inject returns.
func (Restart) HealAfter(scenario.Fault) (time.Duration, bool) { return 0, true }

// Inject restarts the processes one after another.
func (Restart) Inject(ctx context.Context, f scenario.Fault, t Target) (Undo, error) {
	names, procs, err := processesOf(f, t)
	if err != nil {
		return nil, err
	}
	var errs []error
	for i, p := range procs {
		if err := p.Restart(ctx); err != nil {
			errs = append(errs, fmt.Errorf("fault: restart %s: %w", names[i], err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return func(context.Context) error { return nil }, nil
}
