package fault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/impl/api"
)

// proxiesOf returns the proxies a link fault acts on: the chosen link (or
// every link) of each target worker; a fault on the control plane acts on
// every worker's links, which is how the control plane is reached.
func proxiesOf(f scenario.Fault, t Target) ([]*toxiclient.Proxy, error) {
	workers := slices.Clone(f.Targets)
	if f.Controlplane {
		workers = t.Workers()
	}
	links := api.Links
	if f.Link != "" {
		links = []string{string(f.Link)}
	}
	var out []*toxiclient.Proxy
	for _, w := range workers {
		for _, l := range links {
			p := t.Proxy(w, l)
			if p == nil {
				return nil, fmt.Errorf("%w: %s.%s", ErrNoProxy, w, l)
			}
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNothingToDo, f.Kind)
	}
	return out, nil
}

// processesOf returns the processes a process fault acts on, by name.
func processesOf(f scenario.Fault, t Target) ([]string, []Process, error) {
	names := slices.Clone(f.Targets)
	if f.Controlplane {
		names = append(names, ControlPlane)
	}
	procs := make([]Process, 0, len(names))
	for _, n := range names {
		p := t.Process(n)
		switch {
		case p == nil && n == ControlPlane:
			return nil, nil, fmt.Errorf("%w: %s needs it as a process (cluster mode Separate)", ErrControlPlane, f.Kind)
		case p == nil:
			return nil, nil, fmt.Errorf("%w: %s", ErrNoTarget, n)
		}
		procs = append(procs, p)
	}
	if len(procs) == 0 {
		return nil, nil, fmt.Errorf("%w: %s", ErrNothingToDo, f.Kind)
	}
	return names, procs, nil
}

// steps is the undo of a fault made of several steps: each step is
// undone once; a failed one is retried by the next call.
type steps struct {
	mu   sync.Mutex
	left []func(ctx context.Context) error // in the order they were done
}

func (s *steps) add(undo func(ctx context.Context) error) {
	s.mu.Lock()
	s.left = append(s.left, undo)
	s.mu.Unlock()
}

// undo runs what is left, last done first; it keeps going after an error.
func (s *steps) undo(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	var failed []func(ctx context.Context) error
	for i := len(s.left) - 1; i >= 0; i-- {
		if err := s.left[i](ctx); err != nil {
			errs = append(errs, err)
			failed = append([]func(ctx context.Context) error{s.left[i]}, failed...)
		}
	}
	s.left = failed
	return errors.Join(errs...)
}
