package run_test

import (
	"context"
	"sync"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/run"
)

// Two runs of one scenario at once against one external toxiproxy server
// both complete, each with its fault applied to its own proxy, and leave
// the server empty (before proxies carried the run's name, the second got
// HTTP 409 for worker-1.heartbeats).
func TestRunsShareToxiproxy(t *testing.T) {
	t.Parallel()
	tp, err := cluster.NewToxiproxy()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tp.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	s := parse(t, `
name: shared
workers: 1
duration: 600ms
cluster: {heartbeat_interval: 100ms, heartbeat_timeout: 500ms}
workloads:
  - {name: cmds, pattern: reqrep, mode: impl, rate: 100/s, endpoint: /health}
faults:
  - {at: 100ms, for: 300ms, kind: latency, target: worker-1, link: commands, direction: downstream, latency: 5ms}
`)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	const runs = 2
	results := make([]*result.Result, runs)
	errs := make([]error, runs)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Go(func() {
			results[i], errs[i] = run.Run(ctx, s, run.Options{Dir: t.TempDir(), Bin: binDir, Impl: (&fakeImpl{}).run,
				ToxiproxyURL: tp.URL()})
		})
	}
	wg.Wait()
	for i := range runs {
		if errs[i] != nil {
			t.Errorf("run %d: %v", i, errs[i])
			continue
		}
		r := results[i]
		if len(r.Faults) != 1 || r.Faults[0].Error != "" || r.Faults[0].StartedAt.IsZero() {
			t.Errorf("run %d: faults %+v: want the latency fault applied", i, r.Faults)
		}
		if w := r.Workloads[0]; w.Sent == 0 || w.Received != w.Sent {
			t.Errorf("run %d: sent %d, received %d", i, w.Sent, w.Received)
		}
	}
	if got, err := toxiclient.NewClient(tp.URL()).Proxies(); err != nil || len(got) != 0 {
		t.Errorf("after both runs: %d proxies on the server (%v), want none", len(got), err)
	}
}
