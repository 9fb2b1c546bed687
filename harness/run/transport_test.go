package run_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/run"
)

// A scenario runs over each transport other than tcp (the other tests'):
// impl-mode commands and tasks through a real cluster of two workers, raw
// request/reply and push/pull beside them, every message and task
// delivered once and every check passed. With inproc no program is
// started at all, so no Bin is given.
func TestTransports(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"tls+tcp", "ipc", "inproc"} {
		t.Run(transport, func(t *testing.T) {
			s := parse(t, fmt.Sprintf(`
name: over-%s
workers: 2
transport: %s
warmup: 200ms
duration: 800ms
cluster: {heartbeat_interval: 100ms, heartbeat_timeout: 1s}
workloads:
  - {name: cmds, pattern: reqrep, mode: impl, rate: 200/s, size: 256B}
  - {name: tasks, pattern: pushpull, mode: impl, rate: 200/s, task: echo}
  - {name: rr, pattern: reqrep, mode: raw, rate: 500/s, size: 256B}
  - {name: push, pattern: pushpull, mode: raw, rate: 1000/s, size: 256B}
`, strings.ReplaceAll(transport, "+", "-"), transport))
			o := run.Options{Dir: t.TempDir(), Bin: binDir}
			if transport == "inproc" {
				o.Bin = filepath.Join(t.TempDir(), "nothing-here")
			}
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			r, err := run.Run(ctx, s, o)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			assertGone(t, clusterPids(t, o.Dir))
			back := readResult(t, o.Dir)
			if back.Transport != transport {
				t.Errorf("result transport %q", back.Transport)
			}
			for _, why := range r.Invalid {
				// A generator behind its plan is the machine's load (the suite runs at once).
				if !strings.Contains(why, "behind plan") {
					t.Errorf("invalid: %s", why)
				}
			}
			for _, w := range back.Workloads {
				if w.Sent == 0 || w.Received != w.Sent || w.Lost+w.Duplicated+w.Errors+w.Timeouts != 0 {
					t.Errorf("%s: sent %d, received %d, lost %d, duplicated %d, errors %d, timeouts %d",
						w.Name, w.Sent, w.Received, w.Lost, w.Duplicated, w.Errors, w.Timeouts)
				}
				t.Logf("%s %s %s: p50 %vµs, p99 %vµs", transport, w.Mode, w.Pattern, w.Latency.P50, w.Latency.P99)
			}
			for _, c := range back.Checks {
				if !c.OK {
					t.Errorf("check %s: %s %v", c.Name, c.Detail, c.Counts)
				}
			}
		})
	}
}
