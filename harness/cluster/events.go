package cluster

import (
	"slices"
	"sync"

	"github.com/nngbench/nngbench/impl/controlplane"
)

// Events keeps the embedded control plane's events in the order they came:
// give its Add as Options.OnEvent. Safe for concurrent use.
type Events struct {
	mu  sync.Mutex
	all []controlplane.Event
}

// Add records ev; it never blocks the control plane for long.
func (e *Events) Add(ev controlplane.Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
}

// List returns the events so far.
func (e *Events) List() []controlplane.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.all)
}

// Count is how many events of kind concerned node.
func (e *Events) Count(kind controlplane.EventKind, node string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.all {
		if ev.Kind == kind && ev.Node == node {
			n++
		}
	}
	return n
}
