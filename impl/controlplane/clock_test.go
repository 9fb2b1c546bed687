package controlplane_test

import (
	"context"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/clock"
	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/internal/testkit"
)

// epoch is where fake clocks start.
func epoch() time.Time { return time.Date(2026, 3, 19, 10, 30, 0, 0, time.UTC) }

// blockUntil waits until n timers of the fake clock are pending: the
// background loops have done what the last Advance woke them for.
func blockUntil(t *testing.T, clk *clock.Fake, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := clk.BlockUntil(ctx, n); err != nil {
		t.Fatalf("waiting for %d timers (%d pending): %v", n, clk.Waiters(), err)
	}
}

// advance moves the fake clock by d in steps of step, letting the n
// background timers fire and be set again after each.
func advance(t *testing.T, clk *clock.Fake, d, step time.Duration, n int) {
	t.Helper()
	for done := time.Duration(0); done < d; done += step {
		blockUntil(t, clk, n)
		clk.Advance(step)
	}
	blockUntil(t, clk, n)
}

// A node is offline once it has been silent for longer than the timeout,
// and not a tick before.
func TestMonitorOnFakeClock(t *testing.T) {
	clk := clock.NewFake(epoch())
	cp, rec := start(t, testConfig(time.Second, 3*time.Second), controlplane.Options{Clock: clk})
	newFake(t, "w1", cp, fakeOpts{noBeats: true, noTasks: true})
	const tick = 250 * time.Millisecond // a quarter of the interval
	// The monitor and the repair loop each wait on a timer.
	advance(t, clk, 3*time.Second, tick, 2)
	if s := nodeByID(cp, "w1").Status; s != api.StatusOnline {
		t.Fatalf("status %q after exactly the timeout", s)
	}
	clk.Advance(tick)
	testkit.Eventually(t, wait, func() bool { return len(rec.of(controlplane.NodeOffline, nil)) == 1 },
		"w1 not offline one tick after its timeout")
	if at := rec.of(controlplane.NodeOffline, nil)[0].At; !at.Equal(epoch().Add(3*time.Second + tick)) {
		t.Errorf("offline at %v, want %v", at, epoch().Add(3*time.Second+tick))
	}
	if n := nodeByID(cp, "w1"); n.Status != api.StatusOffline || !n.LastSeen.Equal(epoch()) {
		t.Errorf("node %+v", n)
	}
}

// When the control plane itself stops running for a while (paused,
// starved), nodes are not declared offline for its lost time: only the
// tick it expected to sleep counts, and they get the rest of their timeout
// after it resumes.
func TestStalledMonitorForgives(t *testing.T) {
	clk := clock.NewFake(epoch())
	cp, rec := start(t, testConfig(time.Second, 3*time.Second), controlplane.Options{Clock: clk})
	newFake(t, "w1", cp, fakeOpts{noBeats: true, noTasks: true})
	const tick = 250 * time.Millisecond
	blockUntil(t, clk, 2)
	clk.Advance(time.Minute) // the monitor wakes a minute late
	advance(t, clk, 3*time.Second-tick, tick, 2)
	if s := nodeByID(cp, "w1").Status; s != api.StatusOnline {
		t.Fatalf("status %q: the stall was counted as silence", s)
	}
	clk.Advance(tick)
	testkit.Eventually(t, wait, func() bool { return len(rec.of(controlplane.NodeOffline, nil)) == 1 },
		"w1 not offline a timeout after the stall")
}

// Tasks not completed by the end of their lease plus a tenth go out again,
// with a new lease.
func TestLeaseExpiryOnFakeClock(t *testing.T) {
	clk := clock.NewFake(epoch())
	cfg := testConfig(time.Hour, 2*time.Hour)
	cfg.Tasks.Lease = config.Seconds(time.Second)
	cp, rec := start(t, cfg, controlplane.Options{Clock: clk})
	f := newFake(t, "w1", cp, fakeOpts{noBeats: true})
	f.swallow.Store(true)
	testkit.Eventually(t, wait, func() bool { return socket(cp, "controlplane/tasks").Connections == 1 }, "no puller")
	if err := cp.SubmitTasks(makeTasks("l", 10)); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, wait, func() bool { _, n := f.receivedCount(); return n == 10 }, "tasks never received")

	for round, lease := range []time.Time{epoch().Add(time.Second), epoch().Add(2100 * time.Millisecond)} {
		if got := f.batchLeases(); !got[len(got)-1].Equal(lease) {
			t.Fatalf("round %d: lease until %v, want %v", round, got[len(got)-1], lease)
		}
		if round == 1 {
			f.swallow.Store(false)
		}
		blockUntil(t, clk, 3) // monitor, repair loop, dispatcher
		clk.Advance(1100 * time.Millisecond)
		testkit.Eventually(t, wait, func() bool { _, n := f.receivedCount(); return n == 10*(round+2) },
			"round %d: tasks not redelivered: %+v", round, cp.TaskStats())
	}
	testkit.Eventually(t, wait, func() bool { return cp.TaskStats().Completed == 10 }, "not completed: %+v", cp.TaskStats())
	if s := cp.TaskStats(); s.Redelivered != 20 || s.Dispatches != 30 || s.Pending != 0 {
		t.Errorf("stats %+v", s)
	}
	if n := len(rec.of(controlplane.TaskRedelivered, nil)); n != 20 {
		t.Errorf("%d redelivered events, want 20", n)
	}
}
