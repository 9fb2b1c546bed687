package fault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Timeline applies a scenario's faults at their planned times and heals
// them, recording when each really started and ended. Its methods are
// safe for concurrent use.
type Timeline struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	recs   []result.Fault
	active map[int]Undo // by fault index, while in force
	order  []int        // fault indexes in the order they started

	healOnce sync.Once
	healErr  error
}

// Run schedules each fault at start+At and heals it at start+At+For (For
// 0 = when Heal is called at the end of the run; injectors that are a
// Scheduler say when themselves). Faults may overlap. Run returns at once;
// the faults run in goroutines bounded by ctx, and Heal must be called,
// however the run ends, to heal what is still in force and to wait for
// them.
func Run(ctx context.Context, start time.Time, faults []scenario.Fault, t Target, reg *Registry) *Timeline {
	ctx, cancel := context.WithCancel(ctx)
	tl := &Timeline{cancel: cancel, active: map[int]Undo{}}
	injs := make([]Injector, len(faults))
	for i, f := range faults { // every record exists before any goroutine writes one
		tl.recs = append(tl.recs, record(i, f))
		inj, err := reg.Get(f.Kind)
		if err != nil {
			tl.recs[i].Error = err.Error()
		}
		injs[i] = inj
	}
	for i, f := range faults {
		if injs[i] == nil {
			continue
		}
		tl.wg.Add(1)
		go func() {
			defer tl.wg.Done()
			tl.run(ctx, start, i, f, injs[i], t)
		}()
	}
	return tl
}

// run applies fault i at its time and heals it at its end, unless the
// timeline is stopped first.
func (tl *Timeline) run(ctx context.Context, start time.Time, i int, f scenario.Fault, inj Injector, t Target) {
	if !sleepUntil(ctx, start.Add(f.At)) {
		return
	}
	undo, err := inj.Inject(ctx, f, t)
	now := time.Now()
	tl.mu.Lock()
	if err != nil {
		tl.recs[i].Error = err.Error()
		tl.mu.Unlock()
		return
	}
	tl.recs[i].StartedAt = now
	tl.active[i] = undo
	tl.order = append(tl.order, i)
	tl.mu.Unlock()
	d, ok := f.For, f.For > 0
	if s, is := inj.(Scheduler); is {
		if sd, sok := s.HealAfter(f); sok {
			d, ok = sd, true
		}
	}
	if !ok || !sleepUntil(ctx, now.Add(d)) {
		return // Heal heals it
	}
	// A failed heal is in the fault's record and leaves it active, so the
	// final Heal tries again: nothing more to do with the error here.
	_ = tl.heal(ctx, i)
}

// heal runs fault i's Undo; on success the fault is no longer active.
func (tl *Timeline) heal(ctx context.Context, i int) error {
	tl.mu.Lock()
	undo := tl.active[i]
	tl.mu.Unlock()
	if undo == nil {
		return nil
	}
	err := undo(ctx)
	now := time.Now()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if err != nil {
		tl.recs[i].Error = errors.Join(errOf(tl.recs[i].Error), err).Error()
		return fmt.Errorf("fault: heal %s: %w", tl.recs[i].Name, err)
	}
	delete(tl.active, i)
	tl.recs[i].EndedAt = now
	return nil
}

// Heal stops the timeline (faults not yet started never start), waits for
// its goroutines, then heals every fault still in force, the last started
// first. Call it when the run ends, however it ends; pass a ctx that is
// still live (e.g. context.WithoutCancel with a timeout after Ctrl-C).
// Later calls return the first call's error.
func (tl *Timeline) Heal(ctx context.Context) error {
	tl.healOnce.Do(func() {
		tl.cancel()
		tl.wg.Wait()
		tl.mu.Lock()
		order := slices.Clone(tl.order)
		tl.mu.Unlock()
		var errs []error
		for _, i := range slices.Backward(order) {
			errs = append(errs, tl.heal(ctx, i))
		}
		tl.healErr = errors.Join(errs...)
	})
	return tl.healErr
}

// Records are the faults in scenario order, with their actual start and
// end (zero when the fault never started or was not healed) and errors.
func (tl *Timeline) Records() []result.Fault {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	out := slices.Clone(tl.recs)
	for i := range out {
		out[i].Params = clone(out[i].Params)
	}
	return out
}

// sleepUntil waits until at; false if ctx ended first.
func sleepUntil(ctx context.Context, at time.Time) bool {
	timer := time.NewTimer(time.Until(at))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func errOf(s string) error {
	if s == "" {
		return nil
	}
	return errors.New(s)
}
