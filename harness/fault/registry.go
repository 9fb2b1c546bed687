package fault

import (
	"context"
	"fmt"

	"github.com/nngbench/nngbench/harness/scenario"
)

// Registry maps fault kinds to injectors. Build one with NewRegistry (the
// defaults) or an empty one with &Registry{} and Register; it is not safe
// to Register while a Timeline uses it.
type Registry struct {
	byKind map[scenario.FaultKind]Injector
}

// NewRegistry returns a registry with every default injector: each toxic
// kind, partition, kill, pause and restart.
func NewRegistry() *Registry {
	r := &Registry{}
	for _, k := range []scenario.FaultKind{scenario.FaultLatency, scenario.FaultBandwidth,
		scenario.FaultSlowClose, scenario.FaultTimeout, scenario.FaultResetPeer,
		scenario.FaultSlicer, scenario.FaultLimitData} {
		r.Register(k, &Toxic{})
	}
	r.Register(scenario.FaultPartition, &Partition{})
	r.Register(scenario.FaultKill, Kill{})
	r.Register(scenario.FaultPause, Pause{})
	r.Register(scenario.FaultRestart, Restart{})
	return r
}

// Register maps kind to inj, replacing any earlier one.
func (r *Registry) Register(kind scenario.FaultKind, inj Injector) {
	if r.byKind == nil {
		r.byKind = map[scenario.FaultKind]Injector{}
	}
	r.byKind[kind] = inj
}

// Get returns the injector of kind; the error wraps ErrUnknownKind.
func (r *Registry) Get(kind scenario.FaultKind) (Injector, error) {
	if inj, ok := r.byKind[kind]; ok {
		return inj, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKind, kind)
}

// Inject applies f with the injector of its kind.
func (r *Registry) Inject(ctx context.Context, f scenario.Fault, t Target) (Undo, error) {
	inj, err := r.Get(f.Kind)
	if err != nil {
		return nil, err
	}
	return inj.Inject(ctx, f, t)
}
