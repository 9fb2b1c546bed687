package controlplane_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/worker"
	waitfor "github.com/nngbench/nngbench/internal/wait"
)

const (
	durBenchWorkers    = 4
	durBenchSubmitters = 4   // goroutines submitting at once, as many clients would
	durBenchSubmit     = 250 // tasks per submit
	durBenchPayload    = 64
)

// BenchmarkTasksDurable measures task throughput with the state kept in a
// data_dir (cand) against the same in memory (base), in alternating blocks
// of the same run (testkit.Paired): a control plane and 4 workers each, in
// this process over loopback tcp, 4 goroutines submitting 250 echo tasks of
// 64 B at a time, each block timed from the first submit to the last
// completion. ns/op are per task; 1e9 over them is tasks/s, and
// 1/(cand/base) is the durable side's share of the in-memory throughput.
func BenchmarkTasksDurable(b *testing.B) {
	base := benchCluster(b, "")
	cand := benchCluster(b, b.TempDir())
	testkit.Paired(b, 20000, base, cand)
}

// benchCluster starts a control plane (dataDir "" keeps it in memory) and
// its workers, and returns a function that submits n tasks and returns
// when all have completed.
func benchCluster(b *testing.B, dataDir string) func(int) {
	var completed atomic.Int64
	signal := make(chan struct{}, 1)
	cfg := testConfig(time.Second, 10*time.Second)
	cfg.Tasks.Lease = config.Seconds(30 * time.Second)
	cfg.DataDir = dataDir
	cp, err := controlplane.New(cfg, controlplane.Options{Logger: logging.Discard(), OnEvent: func(e controlplane.Event) {
		if e.Kind == controlplane.TaskCompleted {
			completed.Add(1)
			select {
			case signal <- struct{}{}:
			default:
			}
		}
	}})
	if err != nil {
		b.Fatal(err)
	}
	if err := cp.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := cp.Close(); err != nil {
			b.Error(err)
		}
	})
	addrs := cp.Addresses()
	for i := range durBenchWorkers {
		wc := worker.DefaultConfig()
		wc.NodeID = fmt.Sprintf("worker-%d", i+1)
		m := &wc.Messaging
		m.BindAddress, m.ControlPlaneAddress, m.SubAddress = "tcp://127.0.0.1:0", addrs["bind"], addrs["pub"]
		m.TaskAddress, m.ResultAddress = addrs["tasks"], addrs["results"]
		m.HeartbeatInterval = config.Seconds(time.Second)
		wc.MetricsAddress = "127.0.0.1:0"
		w, err := worker.New(wc, worker.Options{Logger: logging.Discard()})
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { w.Close() })
	}
	waitfor.Until(b, 30*time.Second, "workers online", func() bool {
		n := 0
		for _, node := range cp.Nodes() {
			if node.Status == api.StatusOnline {
				n++
			}
		}
		return n == durBenchWorkers
	})
	payload := strings.Repeat("x", durBenchPayload)
	var seq atomic.Int64
	run := func(n int) {
		target := completed.Load() + int64(n)
		var next atomic.Int64
		var wg sync.WaitGroup
		for range durBenchSubmitters {
			wg.Go(func() {
				for {
					from := int(next.Add(durBenchSubmit)) - durBenchSubmit
					k := min(durBenchSubmit, n-from)
					if k <= 0 {
						return
					}
					tasks := make([]api.Task, k)
					for i := range tasks {
						tasks[i] = api.Task{ID: fmt.Sprintf("t%d", seq.Add(1)), Kind: api.TaskEcho, Payload: payload}
					}
					if err := cp.SubmitTasks(tasks); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		for completed.Load() < target {
			select {
			case <-signal:
			case <-time.After(time.Minute):
				b.Fatalf("stuck at %d of %d completed", completed.Load(), target)
			}
		}
	}
	run(2000)
	return run
}
