package fault_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/fault"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/internal/wait"
)

// fakeTarget has workers but no proxies and no processes.
type fakeTarget struct{}

func (fakeTarget) Workers() []string                      { return []string{"worker-1", "worker-2"} }
func (fakeTarget) Proxy(string, string) *toxiclient.Proxy { return nil }
func (fakeTarget) Process(string) fault.Process           { return nil }

// marker is an injector that records which faults are in force.
type marker struct {
	mu     sync.Mutex
	active map[string]bool
}

func (m *marker) Inject(_ context.Context, f scenario.Fault, _ fault.Target) (fault.Undo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name := f.Targets[0]
	m.active[name] = true
	return func(context.Context) error {
		m.mu.Lock()
		defer m.mu.Unlock()
		delete(m.active, name)
		return nil
	}, nil
}

func (m *marker) count() int { m.mu.Lock(); defer m.mu.Unlock(); return len(m.active) }

// TestTimelineRecords: overlapping faults start in order of At, each end
// is recorded after its start, and Heal leaves nothing in force.
func TestTimelineRecords(t *testing.T) {
	t.Parallel()
	m := &marker{active: map[string]bool{}}
	reg := &fault.Registry{}
	reg.Register(scenario.FaultPause, m)
	faults := []scenario.Fault{
		{At: 0, For: 150 * time.Millisecond, Kind: scenario.FaultPause, Targets: []string{"a"}},
		{At: 50 * time.Millisecond, For: 50 * time.Millisecond, Kind: scenario.FaultPause, Targets: []string{"b"}},
		{At: 100 * time.Millisecond, Kind: scenario.FaultPause, Targets: []string{"c"}}, // until Heal
		{At: time.Hour, Kind: scenario.FaultPause, Targets: []string{"never"}},
		{At: 0, Kind: scenario.FaultKill, Targets: []string{"x"}}, // no injector
	}
	start := time.Now()
	tl := fault.Run(t.Context(), start, faults, fakeTarget{}, reg)
	wait.Until(t, 2*time.Second, "a healed and c started", func() bool {
		r := tl.Records()
		return !r[0].EndedAt.IsZero() && !r[2].StartedAt.IsZero()
	})
	if m.count() != 1 {
		t.Errorf("%d faults in force before Heal, want 1 (c)", m.count())
	}
	if err := tl.Heal(t.Context()); err != nil {
		t.Fatal(err)
	}
	if m.count() != 0 {
		t.Errorf("%d faults in force after Heal", m.count())
	}
	r := tl.Records()
	for i := range 3 {
		f := r[i]
		if want := start.Add(faults[i].At); f.StartedAt.Before(want) || f.EndedAt.Before(f.StartedAt) {
			t.Errorf("%s: started %v, ended %v; planned at %v", f.Name, f.StartedAt.Sub(start), f.EndedAt.Sub(start), faults[i].At)
		}
		if i > 0 && !f.StartedAt.After(r[i-1].StartedAt) {
			t.Errorf("%s started before %s", f.Name, r[i-1].Name)
		}
	}
	if d := r[1].EndedAt.Sub(r[1].StartedAt); d < 50*time.Millisecond {
		t.Errorf("%s lasted %v, want 50ms", r[1].Name, d)
	}
	if r[0].Name != "pause-1" || r[0].ForS != 0.15 || r[0].Target != "a" {
		t.Errorf("record 0 = %+v", r[0])
	}
	if !r[3].StartedAt.IsZero() || r[4].Error == "" {
		t.Errorf("never-started fault %+v, unknown kind %+v", r[3], r[4])
	}
	if err := tl.Heal(t.Context()); err != nil { // idempotent
		t.Fatal(err)
	}
}

func TestInjectErrors(t *testing.T) {
	t.Parallel()
	reg := fault.NewRegistry()
	for _, tc := range []struct {
		name string
		f    scenario.Fault
		want error
	}{
		{"pause the embedded control plane", scenario.Fault{Kind: scenario.FaultPause, Controlplane: true}, fault.ErrControlPlane},
		{"kill an unknown worker", scenario.Fault{Kind: scenario.FaultKill, Targets: []string{"worker-9"}}, fault.ErrNoTarget},
		{"latency without a proxy", scenario.Fault{Kind: scenario.FaultLatency, Targets: []string{"worker-1"}}, fault.ErrNoProxy},
		{"one-way partition", scenario.Fault{Kind: scenario.FaultPartition, Targets: []string{"worker-1"},
			Direction: scenario.DirectionUpstream}, fault.ErrUnsupported},
		{"no targets", scenario.Fault{Kind: scenario.FaultRestart}, fault.ErrNothingToDo},
		{"unknown kind", scenario.Fault{Kind: "flood"}, fault.ErrUnknownKind},
	} {
		t.Run(tc.name, func(t *testing.T) {
			undo, err := reg.Inject(t.Context(), tc.f, fakeTarget{})
			if !errors.Is(err, tc.want) || undo != nil {
				t.Errorf("Inject = %v, %v; want nil, %v", undo != nil, err, tc.want)
			}
		})
	}
}

// The cluster's processes are fault Processes.
var _ fault.Process = (*cluster.Process)(nil)
