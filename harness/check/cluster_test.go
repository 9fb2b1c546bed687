package check_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/check"
	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/fault"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/internal/wait"
)

const (
	beat    = 100 * time.Millisecond
	timeout = 300 * time.Millisecond
)

func startCluster(t *testing.T, workers int) (*cluster.Cluster, *cluster.Events) {
	t.Helper()
	ev := &cluster.Events{}
	c, err := cluster.Start(t.Context(), cluster.Options{
		Workers: workers, Dir: t.TempDir(), Bin: binDir, OnEvent: ev.Add,
		Timing: cluster.Timing{HeartbeatInterval: beat, HeartbeatTimeout: timeout, RequestTimeout: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c, ev
}

// TestPartitionRecovery is the fault issue's test (a): a worker cut off
// for longer than the heartbeat timeout is detected within the timeout
// plus one interval, its instances move, a config published meanwhile
// reaches it after the heal, and no instance ends up in two places.
func TestPartitionRecovery(t *testing.T) {
	c, ev := startCluster(t, 3)
	cp := c.ControlPlane()
	for i := range 9 {
		if _, err := cp.CreateInstance(t.Context(), api.CreateInstance{ID: fmt.Sprintf("i-%d", i), Image: "nginx"}); err != nil {
			t.Fatal(err)
		}
	}
	if before := check.Instances(t.Context(), c, 5*time.Second); !before.OK {
		t.Fatalf("before the fault: %+v", before)
	}
	f := scenario.Fault{Kind: scenario.FaultPartition, Targets: []string{"worker-2"}, For: 1500 * time.Millisecond,
		Direction: scenario.DirectionBoth}
	tl := fault.Run(t.Context(), time.Now(), []scenario.Fault{f}, fault.ClusterTarget(c), fault.NewRegistry())
	wait.Until(t, 5*time.Second, "worker-2 offline", func() bool { return nodeStatus(c, "worker-2") == api.StatusOffline })
	if _, err := cp.SetConfig(t.Context(), map[string]string{"log_level": "debug"}); err != nil {
		t.Fatal(err)
	}
	defer tl.Heal(context.Background())
	wait.Until(t, 10*time.Second, "the partition healed", func() bool { return !tl.Records()[0].EndedAt.IsZero() })
	if err := tl.Heal(t.Context()); err != nil {
		t.Fatal(err)
	}
	records := tl.Records()

	inst := check.Instances(t.Context(), c, 10*time.Second)
	cfg, _ := check.Config(t.Context(), c, 10*time.Second)
	for _, k := range []struct {
		c    string
		ok   bool
		what any
	}{{"instances", inst.OK, inst}, {"config", cfg.OK, cfg}} {
		if !k.ok {
			t.Errorf("%s after the heal: %+v", k.c, k.what)
		}
	}
	if inst.Counts["instances"] != 9 || inst.Counts["duplicated"] != 0 {
		t.Errorf("instances %+v: want 9, none duplicated", inst.Counts)
	}
	// The config published during the partition is in worker-2's journal
	// once it converged (check.Config waited for that).
	events, err := c.Timeline(ev.List())
	if err != nil {
		t.Fatal(err)
	}
	rec := check.RecoveryOf(&history.History{Meta: history.Meta{Result: result.Result{Faults: records}, Events: events}})
	if len(rec) != 1 || rec[0].DetectionS == nil || rec[0].MigrationS == nil || rec[0].ConvergenceS == nil {
		t.Fatalf("recovery %+v: want detection, migration and convergence", rec)
	}
	r := rec[0]
	t.Logf("detection %.3fs, migration %.3fs, convergence %.3fs", *r.DetectionS, *r.MigrationS, *r.ConvergenceS)
	if bound := (timeout + beat).Seconds(); *r.DetectionS > bound {
		t.Errorf("detected after %.3fs, bound %.3fs (timeout + one interval)", *r.DetectionS, bound)
	}
}

func nodeStatus(c *cluster.Cluster, node string) string {
	for _, n := range c.ControlPlane().Nodes() {
		if n.ID == node {
			return n.Status
		}
	}
	return ""
}

// TestTasksSurviveKill is the fault issue's test (b): a worker SIGKILLed
// during a stream of 1,000 tasks; the check finds none lost and none
// executed twice, from the workers' journals.
func TestTasksSurviveKill(t *testing.T) {
	c, _ := startCluster(t, 3)
	const n = 1000
	tasks := make([]api.Task, n)
	for i := range tasks {
		tasks[i] = api.Task{ID: fmt.Sprintf("task-%04d", i), Kind: api.TaskSleep, SleepMS: 2, Payload: "p"}
	}
	if err := c.ControlPlane().SubmitTasks(tasks); err != nil {
		t.Fatal(err)
	}
	completed := func() uint64 { s, _ := c.TaskStats(t.Context()); return s.Completed }
	wait.Until(t, 30*time.Second, "a fifth done", func() bool { return completed() >= n/5 })
	if err := c.Worker("worker-2").Kill(); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 60*time.Second, "every task completed", func() bool { return completed() == n })
	chk, err := check.Tasks(t.Context(), c, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", chk.Counts)
	if !chk.OK || chk.Counts["accepted"] != n || chk.Counts["executed_twice"] != 0 {
		t.Fatalf("%+v", chk)
	}
	// The check must be able to fail: journal a task twice, as a worker
	// that ran a redelivered task again would.
	c2 := &twiceJournal{Cluster: c, id: "task-0007"}
	if chk, err := check.Tasks(t.Context(), c2, time.Second); err != nil || chk.OK || chk.Counts["executed_twice"] != 1 {
		t.Fatalf("with task-0007 journaled twice: %+v, %v", chk, err)
	}
}

// twiceJournal adds one execution of id to worker-1's journal.
type twiceJournal struct {
	*cluster.Cluster
	id string
}

func (j *twiceJournal) Journal(w string) ([]string, error) {
	ids, err := j.Cluster.Journal(w)
	if w == "worker-1" {
		ids = append(ids, j.id, j.id)
	}
	return ids, err
}
