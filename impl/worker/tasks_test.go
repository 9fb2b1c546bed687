package worker_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/worker"
)

// expectedOutput is a task's output as the api defines it, computed here
// independently of the worker.
func expectedOutput(task api.Task) string {
	if task.Kind != api.TaskHash {
		return task.Payload
	}
	s := task.Payload
	for range max(task.Rounds, 1) {
		sum := sha256.Sum256([]byte(s))
		s = hex.EncodeToString(sum[:])
	}
	return s
}

func lease(d time.Duration) time.Time { return time.Now().Add(d) }

// collect receives result batches until it has n results.
func collect(t *testing.T, cp *fakeCP, n int) []api.TaskResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var out []api.TaskResult
	for len(out) < n {
		rb, err := cp.results(ctx)
		if err != nil {
			t.Fatalf("after %d of %d results: %v", len(out), n, err)
		}
		out = append(out, rb.Results...)
	}
	return out
}

func readJournal(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	must(t, err)
	return strings.Fields(string(b))
}

func taskWorker(t *testing.T, concurrency int) (*fakeCP, *worker.Worker, string) {
	t.Helper()
	cp := newFakeCP(t)
	cfg := cp.workerConfig("worker-1")
	cfg.Tasks.Concurrency = concurrency
	cfg.Tasks.JournalFile = filepath.Join(t.TempDir(), "worker-1.journal")
	w := startWorker(t, cfg, nil)
	cp.connected(1)
	return cp, w, cfg.Tasks.JournalFile
}

func TestTasksExactlyOnce(t *testing.T) {
	cp, w, journal := taskWorker(t, 4)
	const n, batch = 500, 10
	tasks := make([]api.Task, n)
	byID := map[string]api.Task{}
	for i := range tasks {
		task := api.Task{ID: fmt.Sprintf("task-%03d", i), Payload: fmt.Sprintf("payload %d", i)}
		switch i % 4 {
		case 0:
			task.Kind = api.TaskEcho
		case 1:
			task.Kind, task.Rounds = api.TaskHash, i%3
		case 2:
			task.Kind, task.SleepMS = api.TaskSleep, 1
		case 3:
			task.Kind = api.TaskHash
		}
		tasks[i], byID[task.ID] = task, task
	}
	for i := 0; i < n; i += batch {
		cp.sendTasks(api.TaskBatch{Tasks: tasks[i : i+batch], LeaseUntil: lease(time.Minute)})
	}
	seen := map[string]int{}
	for _, r := range collect(t, cp, n) {
		seen[r.TaskID]++
		task, ok := byID[r.TaskID]
		switch {
		case !ok:
			t.Errorf("result for unknown task %+v", r)
		case r.Output != expectedOutput(task) || r.Error != "" || r.Replayed || r.NodeID != "worker-1":
			t.Errorf("task %+v: result %+v, want output %q", task, r, expectedOutput(task))
		case r.StartedAt.IsZero() || r.FinishedAt.Before(r.StartedAt) ||
			(task.Kind == api.TaskSleep && r.FinishedAt.Sub(r.StartedAt) < time.Millisecond):
			t.Errorf("task %+v: executed from %v to %v", task, r.StartedAt, r.FinishedAt)
		}
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("task %s answered %d times", id, k)
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct results, want %d", len(seen), n)
	}
	testkit.Eventually(t, wait, func() bool { return len(readJournal(t, journal)) >= n }, "journal short of %d lines", n)
	lines := readJournal(t, journal)
	slices.Sort(lines)
	if len(lines) != n || len(slices.Compact(lines)) != n {
		t.Errorf("journal has %d lines, %d distinct, want %d once each", len(lines), len(slices.Compact(lines)), n)
	}
	if st := w.Stats(); st.TasksExecuted != n || st.TasksReplayed != 0 || st.TasksExpired != 0 || st.ResultsLost != 0 {
		t.Errorf("stats %+v", st)
	}
}

// A task sent again (the control plane redelivered it, or its result was
// lost) is answered from the record: Replayed, same output, not executed,
// not journaled again. An id twice in one batch is answered once.
func TestTaskReplayed(t *testing.T) {
	cp, w, journal := taskWorker(t, 2)
	first := []api.Task{
		{ID: "a", Kind: api.TaskEcho, Payload: "pa"},
		{ID: "b", Kind: api.TaskHash, Payload: "pb", Rounds: 3},
		{ID: "c", Kind: "compile", Payload: "pc"},
	}
	cp.sendTasks(api.TaskBatch{Tasks: first, LeaseUntil: lease(time.Minute)})
	results := collect(t, cp, 3)
	if results[2].Error == "" || results[2].Output != "" {
		t.Errorf("unknown kind: %+v, want an error", results[2])
	}
	testkit.Eventually(t, wait, func() bool { return len(readJournal(t, journal)) == 3 }, "journal")

	again := append(slices.Clone(first), api.Task{ID: "a", Kind: api.TaskEcho, Payload: "pa"}, api.Task{ID: "d", Kind: api.TaskEcho, Payload: "pd"})
	cp.sendTasks(api.TaskBatch{Tasks: again, LeaseUntil: lease(time.Minute)})
	replayed := collect(t, cp, 4)
	if len(replayed) != 4 {
		t.Fatalf("results %+v, want one per distinct id", replayed)
	}
	for i, r := range replayed[:3] {
		// The replay carries the execution it repeats, times included.
		want := results[i]
		want.Replayed = true
		if r != want {
			t.Errorf("replay %+v, want %+v replayed", r, results[i])
		}
	}
	if d := replayed[3]; d.TaskID != "d" || d.Replayed || d.Output != "pd" {
		t.Errorf("new task in the batch: %+v", d)
	}
	testkit.Eventually(t, wait, func() bool { return w.Stats().TasksExecuted == 4 }, "d not executed")
	if st := w.Stats(); st.TasksReplayed != 3 {
		t.Errorf("stats %+v, want 3 replayed", st)
	}
	testkit.Eventually(t, wait, func() bool { return len(readJournal(t, journal)) == 4 }, "d not journaled")
	if got := strings.Join(readJournal(t, journal), " "); got != "a b c d" {
		t.Errorf("journal %q, want each task once", got)
	}
}

// A batch whose lease has passed is neither executed nor answered nor
// journaled; one whose lease passes while it runs is executed, then
// dropped and not recorded, so a redelivery executes it (no replay).
func TestExpiredLease(t *testing.T) {
	cp, w, journal := taskWorker(t, 1)
	cp.sendTasks(api.TaskBatch{Tasks: []api.Task{{ID: "late-1", Kind: api.TaskEcho}, {ID: "late-2", Kind: api.TaskEcho}}, LeaseUntil: lease(-time.Second)})
	testkit.Eventually(t, wait, func() bool { return w.Stats().TasksExpired == 2 }, "batch not expired")
	slow := api.Task{ID: "slow", Kind: api.TaskSleep, SleepMS: 300, Payload: "s"}
	cp.sendTasks(api.TaskBatch{Tasks: []api.Task{slow}, LeaseUntil: lease(100 * time.Millisecond)})
	testkit.Eventually(t, wait, func() bool { return w.Stats().TasksExpired == 3 }, "slow batch not expired")
	if st := w.Stats(); st.TasksExecuted != 1 {
		t.Errorf("stats %+v: want only the slow task executed", st)
	}
	// With concurrency 1 the batches run in order: the next result is
	// this marker's, nothing of the expired ones.
	cp.sendTasks(api.TaskBatch{Tasks: []api.Task{{ID: "marker", Kind: api.TaskEcho, Payload: "m"}}, LeaseUntil: lease(time.Minute)})
	if r := collect(t, cp, 1); r[0].TaskID != "marker" || len(r) != 1 {
		t.Fatalf("results %+v, want the marker's only", r)
	}
	cp.sendTasks(api.TaskBatch{Tasks: []api.Task{slow}, LeaseUntil: lease(time.Minute)})
	if r := collect(t, cp, 1); r[0].TaskID != "slow" || r[0].Replayed || r[0].Output != "s" {
		t.Fatalf("redelivered slow task: %+v, want executed again", r)
	}
	testkit.Eventually(t, wait, func() bool { return len(readJournal(t, journal)) == 2 }, "journal")
	if got := strings.Join(readJournal(t, journal), " "); got != "marker slow" {
		t.Errorf("journal %q, want only the delivered tasks", got)
	}
}

// Ids in the journal were executed before a restart: they are answered,
// not executed again. A torn last line is cut off.
func TestJournalSurvivesRestart(t *testing.T) {
	cp := newFakeCP(t)
	cfg := cp.workerConfig("worker-1")
	cfg.Tasks.JournalFile = filepath.Join(t.TempDir(), "worker-1.journal")
	must(t, os.WriteFile(cfg.Tasks.JournalFile, []byte("old\ntor"), 0o600))
	w := startWorker(t, cfg, nil)
	cp.connected(1)
	hashed := api.Task{ID: "old", Kind: api.TaskHash, Payload: "x", Rounds: 2}
	cp.sendTasks(api.TaskBatch{Tasks: []api.Task{hashed, {ID: "new", Kind: api.TaskEcho, Payload: "n"}}, LeaseUntil: lease(time.Minute)})
	r := collect(t, cp, 2)
	if r[0].TaskID != "old" || !r[0].Replayed || r[0].Output != expectedOutput(hashed) {
		t.Errorf("journaled task: %+v, want replayed with its output", r[0])
	}
	if r[1].TaskID != "new" || r[1].Replayed {
		t.Errorf("new task: %+v", r[1])
	}
	testkit.Eventually(t, wait, func() bool { return w.Stats().TasksExecuted == 1 }, "stats")
	testkit.Eventually(t, wait, func() bool { return len(readJournal(t, cfg.Tasks.JournalFile)) == 2 }, "journal")
	b, err := os.ReadFile(cfg.Tasks.JournalFile)
	must(t, err)
	if string(b) != "old\nnew\n" {
		t.Errorf("journal %q", b)
	}
}

// A task message whose data is not a task batch is dropped, with no result
// and no crash, and the next batch is run as usual.
func TestMalformedTaskBatchIgnored(t *testing.T) {
	cp, w, _ := taskWorker(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for _, data := range []string{`{"tasks":"not a list"}`, `[1,2]`, `{"tasks":[{"id":7}]}`, `"x"`} {
		if _, err := cp.push.PushTask(ctx, api.TaskEndpoint, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	good := api.Task{ID: "good", Kind: api.TaskEcho, Payload: "<ok & fine>"}
	cp.sendTasks(api.TaskBatch{Tasks: []api.Task{good}, LeaseUntil: lease(time.Minute)})
	res := collect(t, cp, 1)
	if len(res) != 1 || res[0].TaskID != "good" || res[0].Output != good.Payload || res[0].Error != "" {
		t.Fatalf("results %+v, want only the good task's", res)
	}
	if st := w.Stats(); st.TasksExecuted != 1 {
		t.Errorf("executed %d tasks, want 1", st.TasksExecuted)
	}
}
