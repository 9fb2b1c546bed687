package fault_test

import (
	"context"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/fault"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/internal/wait"
)

// TestPartition: cutting every link of worker-1 for longer than the
// heartbeat timeout makes it offline; after the heal it is online again.
func TestPartition(t *testing.T) {
	c, ev := startCluster(t)
	f := scenario.Fault{Kind: scenario.FaultPartition, Targets: []string{"worker-1"}, Direction: scenario.DirectionBoth}
	undo, err := fault.NewRegistry().Inject(t.Context(), f, fault.ClusterTarget(c))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range api.Links {
		if p, err := c.Toxiproxy().Proxy(c.ProxyPrefix() + ".worker-1." + l); err != nil || p.Enabled {
			t.Errorf("worker-1.%s: enabled during the partition (%v)", l, err)
		}
	}
	wait.Until(t, 5*time.Second, "worker-1 offline", func() bool { return status(c, "worker-1") == api.StatusOffline })
	if status(c, "worker-2") != api.StatusOnline {
		t.Error("worker-2 is not online: the partition hit it too")
	}
	if err := undo(t.Context()); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 10*time.Second, "worker-1 online", func() bool { return status(c, "worker-1") == api.StatusOnline })
	if ev.Count(controlplane.NodeOffline, "worker-1") == 0 {
		t.Error("no node_offline event for worker-1")
	}
	if _, err := c.Health(t.Context(), "worker-1"); err != nil {
		t.Errorf("after heal: %v", err)
	}
}

// TestKillRestartAfter: a killed worker goes offline and, restart_after
// later, returns.
func TestKillRestartAfter(t *testing.T) {
	c, ev := startCluster(t)
	old := c.Worker("worker-1").Pid()
	f := scenario.Fault{Kind: scenario.FaultKill, Targets: []string{"worker-1"}, RestartAfter: time.Second}
	undo, err := fault.NewRegistry().Inject(t.Context(), f, fault.ClusterTarget(c))
	if err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 5*time.Second, "worker-1 offline", func() bool { return ev.Count(controlplane.NodeOffline, "worker-1") > 0 })
	if err := undo(t.Context()); err != nil { // waits for the restart
		t.Fatal(err)
	}
	if pid := c.Worker("worker-1").Pid(); pid == old || procState(pid) == 0 {
		t.Errorf("worker-1 pid %d (was %d): not running again", pid, old)
	}
	wait.Until(t, 10*time.Second, "worker-1 online", func() bool { return status(c, "worker-1") == api.StatusOnline })
}

// TestPauseTimeline: a 500ms pause of worker-2 scheduled on a Timeline
// stops its process, then continues it; a pause still in force when Heal
// is called is continued by Heal.
func TestPauseTimeline(t *testing.T) {
	c, _ := startCluster(t)
	pid := c.Worker("worker-2").Pid()
	faults := []scenario.Fault{
		{Kind: scenario.FaultPause, Targets: []string{"worker-2"}, For: 500 * time.Millisecond},
		{At: 2 * time.Second, Kind: scenario.FaultPause, Targets: []string{"worker-2"}}, // until Heal
	}
	tl := fault.Run(t.Context(), time.Now(), faults, fault.ClusterTarget(c), fault.NewRegistry())
	t.Cleanup(func() { _ = tl.Heal(context.Background()) })
	wait.Until(t, 2*time.Second, "worker-2 stopped", func() bool { return procState(pid) == 'T' })
	wait.Until(t, 2*time.Second, "worker-2 continued", func() bool { return procState(pid) != 'T' })
	wait.Until(t, 2*time.Second, "first pause recorded healed", func() bool { return !tl.Records()[0].EndedAt.IsZero() })
	wait.Until(t, 5*time.Second, "worker-2 stopped again", func() bool { return procState(pid) == 'T' })
	if err := tl.Heal(t.Context()); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, time.Second, "worker-2 continued by Heal", func() bool { return procState(pid) != 'T' })
	recs := tl.Records()
	if d := recs[0].EndedAt.Sub(recs[0].StartedAt); d < 500*time.Millisecond || d > time.Second {
		t.Errorf("first pause lasted %v, want 500ms", d)
	}
	if recs[1].StartedAt.IsZero() || recs[1].EndedAt.IsZero() || recs[1].Error != "" {
		t.Errorf("second pause: %+v, want started and healed", recs[1])
	}
}
