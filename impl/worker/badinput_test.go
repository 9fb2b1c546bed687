package worker_test

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/worker"
)

// logBuffer collects a logger's lines; the limiter's summary comes from a
// timer, hence the lock.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// matching returns the lines that hold s.
func (b *logBuffer) matching(s string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, l := range strings.Split(b.buf.String(), "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

// 300 messages that are not tasks, pushed at the worker's task socket by
// its peer, write a bounded number of warnings (before: one line each) and
// a summary that counts the rest.
func TestBadTaskMessagesLogBounded(t *testing.T) {
	const bad = 300
	var logs logBuffer
	cp := newFakeCP(t)
	cfg := cp.workerConfig("worker-1")
	cfg.Tasks.Concurrency = 1 // one loop: the good batch runs after every bad message was handled
	w, err := worker.New(cfg, worker.Options{Logger: logging.New(&logs, slog.LevelInfo)})
	must(t, err)
	t.Cleanup(func() { _ = w.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*wait)
	defer cancel()
	must(t, w.Start(ctx))
	cp.connected(1)
	start := time.Now()
	for range bad {
		_, err := cp.push.PushTask(ctx, "/not/tasks", []byte(`{}`))
		must(t, err)
	}
	cp.sendTasks(api.TaskBatch{Tasks: []api.Task{{ID: "good", Kind: api.TaskEcho, Payload: "x"}}, LeaseUntil: lease(time.Minute)})
	if res := collect(t, cp, 1); res[0].TaskID != "good" {
		t.Fatalf("results %+v", res)
	}
	const msg = "ignored a message on the task socket"
	counted := regexp.MustCompile(` suppressed=(\d+)$`)
	total := func() (lines, suppressed int) {
		for _, l := range logs.matching(msg) {
			if m := counted.FindStringSubmatch(l); m != nil {
				n, _ := strconv.Atoi(m[1])
				suppressed += n
			} else {
				lines++
			}
		}
		return lines, suppressed
	}
	if lines, _ := total(); lines > logging.DefaultBurst*(int(time.Since(start)/logging.DefaultInterval)+1) {
		t.Fatalf("%d warning lines for %d bad messages, want at most %d per %v:\n%s", lines, bad,
			logging.DefaultBurst, logging.DefaultInterval, strings.Join(logs.matching(msg), "\n"))
	}
	testkit.Eventually(t, 2*logging.DefaultInterval, func() bool {
		lines, suppressed := total()
		return lines+suppressed == bad
	}, "no summary line counted the %d bad messages:\n%s", bad, strings.Join(logs.matching(msg), "\n"))
}
