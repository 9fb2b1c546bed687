package controlplane_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/internal/testkit"
)

func makeTasks(prefix string, n int) []api.Task {
	tasks := make([]api.Task, n)
	for i := range tasks {
		tasks[i] = api.Task{ID: fmt.Sprintf("%s-%d", prefix, i), Kind: api.TaskEcho, Payload: fmt.Sprint(i)}
	}
	return tasks
}

// taskWorkers starts a control plane with the lease given and n fake
// workers connected to its task pipeline.
func taskWorkers(t *testing.T, lease time.Duration, n int) (*controlplane.ControlPlane, *recorder, []*fakeWorker) {
	t.Helper()
	cfg := testConfig(time.Second, 30*time.Second)
	cfg.Tasks.Lease = config.Seconds(lease)
	cp, rec := start(t, cfg, controlplane.Options{})
	fakes := make([]*fakeWorker, n)
	for i := range fakes {
		fakes[i] = newFake(t, fmt.Sprint("w", i+1), cp, fakeOpts{interval: time.Second})
	}
	testkit.Eventually(t, wait, func() bool {
		return socket(cp, "controlplane/tasks").Connections == int64(n) && socket(cp, "controlplane/results").Connections == int64(n)
	}, "the workers never connected to the task pipeline")
	return cp, rec, fakes
}

// completedOnce fails unless each of want completed exactly once.
func completedOnce(t *testing.T, rec *recorder, want []api.Task) map[string]string {
	t.Helper()
	// Events follow the counters: they are emitted once the lock is let go.
	testkit.Eventually(t, wait, func() bool { return len(rec.of(controlplane.TaskCompleted, nil)) >= len(want) },
		"%d completed events, want %d", len(rec.of(controlplane.TaskCompleted, nil)), len(want))
	by := map[string]string{}
	for _, e := range rec.of(controlplane.TaskCompleted, nil) {
		if _, dup := by[e.Task]; dup {
			t.Errorf("task %s completed twice", e.Task)
		}
		by[e.Task] = e.Node
	}
	for _, task := range want {
		if _, ok := by[task.ID]; !ok {
			t.Errorf("task %s never completed", task.ID)
		}
	}
	if len(by) != len(want) {
		t.Errorf("%d tasks completed, want %d", len(by), len(want))
	}
	return by
}

func TestTasksCompleteExactlyOnce(t *testing.T) {
	cp, rec, fakes := taskWorkers(t, 5*time.Second, 3)
	tasks := makeTasks("t", 1000)
	for i := 0; i < len(tasks); i += 250 {
		if err := cp.SubmitTasks(tasks[i : i+250]); err != nil {
			t.Fatal(err)
		}
	}
	testkit.Eventually(t, wait, func() bool { return cp.TaskStats().Completed == 1000 }, "tasks not completed: %+v", cp.TaskStats())
	completedOnce(t, rec, tasks)
	s := cp.TaskStats()
	if s.Accepted != 1000 || s.Pending != 0 || s.Dispatches < 1000 {
		t.Errorf("stats %+v", s)
	}
	for _, f := range fakes {
		n, _ := f.receivedCount()
		t.Logf("%s received %d tasks", f.id, n)
	}
}

// A worker that takes tasks and never answers (killed, paused, cut off)
// loses none: they go out again after their lease and others complete them.
func TestSwallowedTasksAreRedelivered(t *testing.T) {
	cp, rec, fakes := taskWorkers(t, 300*time.Millisecond, 3)
	fakes[0].swallow.Store(true)
	tasks := makeTasks("s", 300)
	if err := cp.SubmitTasks(tasks); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, wait, func() bool { return cp.TaskStats().Completed == 300 }, "tasks not completed: %+v", cp.TaskStats())
	by := completedOnce(t, rec, tasks)
	for task, node := range by {
		if node == fakes[0].id {
			t.Errorf("task %s completed by the worker that never answers", task)
		}
	}
	swallowed, _ := fakes[0].receivedCount()
	s := cp.TaskStats()
	t.Logf("swallowed %d tasks; stats %+v", swallowed, s)
	if swallowed == 0 || s.Redelivered < uint64(swallowed) {
		t.Errorf("swallowed %d, redelivered %d", swallowed, s.Redelivered)
	}
	testkit.Eventually(t, wait, func() bool { return len(rec.of(controlplane.TaskRedelivered, nil)) == int(s.Redelivered) },
		"%d redelivered events, stats say %d", len(rec.of(controlplane.TaskRedelivered, nil)), s.Redelivered)
	// A redelivered task may be completed by a late result before it goes out again.
	if s.Dispatches < 300 || s.Dispatches > 300+s.Redelivered {
		t.Errorf("dispatches %d, want 300 + up to %d redelivered", s.Dispatches, s.Redelivered)
	}
}

// Results sent twice are counted as duplicates and complete nothing twice.
func TestDuplicateResultsAreCounted(t *testing.T) {
	cp, rec, fakes := taskWorkers(t, 10*time.Second, 2)
	fakes[0].twice.Store(true)
	tasks := makeTasks("d", 200)
	if err := cp.SubmitTasks(tasks); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, wait, func() bool {
		return cp.TaskStats().Completed == 200 && cp.TaskStats().Duplicates == uint64(fakes[0].answeredCount())
	}, "stats %+v, the doubling worker answered %d", cp.TaskStats(), fakes[0].answeredCount())
	completedOnce(t, rec, tasks)
	if d := cp.TaskStats().Duplicates; d == 0 {
		t.Error("no duplicate counted: the doubling worker got no task")
	}
}

func TestSubmitTasksRefusesBadTasks(t *testing.T) {
	cfg := testConfig(time.Second, 10*time.Second)
	cfg.Messaging.MaxMessageSizeMB = 1
	cp, _ := start(t, cfg, controlplane.Options{})
	if err := cp.SubmitTasks(makeTasks("p", 2)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		tasks []api.Task
		want  error
	}{
		{"no id", []api.Task{{Kind: api.TaskEcho}}, controlplane.ErrBadRequest},
		{"twice in one call", []api.Task{{ID: "x"}, {ID: "x"}}, controlplane.ErrDuplicateTask},
		{"already pending", []api.Task{{ID: "y"}, {ID: "p-1"}}, controlplane.ErrDuplicateTask},
		{"too large", []api.Task{{ID: "big", Payload: strings.Repeat("x", 1<<20)}}, controlplane.ErrTaskTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := cp.SubmitTasks(tc.tasks); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	if s := cp.TaskStats(); s.Accepted != 2 || s.Pending != 2 {
		t.Errorf("a refused submit accepted some: %+v", s)
	}
}
