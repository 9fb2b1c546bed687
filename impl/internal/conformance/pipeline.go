package conformance

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/pipeline"
	"github.com/nngbench/nngbench/impl/transport"
)

// pipelineN is how many tasks VerifyPipeline pushes.
const pipelineN = 3000

// VerifyPipeline binds a pusher, connects three pullers, pushes pipelineN
// tasks, and checks that every task is received exactly once across the
// pullers, that every puller got some, and that Drain and Close succeed.
func VerifyPipeline(t *testing.T, tr testkit.Transport) {
	listenOpts, dialOpts := tr.Options(t)
	reg := metrics.NewRegistry()
	push, err := pipeline.NewPusher(pipeline.PusherConfig{Name: "conf-push", Transport: listenOpts, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = push.Close() })
	addr, err := push.Listen(tr.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	pullers := make([]*pipeline.Puller, 3)
	for i := range pullers {
		pullers[i] = dialPuller(t, reg, fmt.Sprintf("conf-pull-%d", i), dialOpts, addr)
	}
	// Only connected pullers share the load.
	testkit.Eventually(t, 10*time.Second, func() bool {
		st, _ := reg.Snapshot().Socket("conf-push")
		return st.Connections == int64(len(pullers))
	}, "pusher never saw %d pullers", len(pullers))

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got := make([][]uint64, len(pullers))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
		all   = make(chan struct{})
	)
	for i, p := range pullers {
		wg.Go(func() { got[i] = collect(ctx, p, &mu, &total, all) })
	}
	for i := 1; i <= pipelineN; i++ {
		if _, err := push.PushTask(ctx, "/conformance", fmt.Appendf(nil, `{"n":%d}`, i)); err != nil {
			t.Fatalf("push #%d: %v", i, err)
		}
	}
	if err := push.Drain(ctx); err != nil {
		t.Fatalf("drain: %v", err)
	}
	wg.Wait()
	checkTasks(t, got)
	if err := push.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

func dialPuller(t *testing.T, reg *metrics.Registry, name string, opts transport.Options, addr string) *pipeline.Puller {
	t.Helper()
	p, err := pipeline.NewPuller(pipeline.PullerConfig{Name: name, Transport: opts, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	if err := p.Dial(addr); err != nil {
		t.Fatal(err)
	}
	return p
}

// collect receives seqs until all pullers together have pipelineN, which
// the last one to count signals by closing all, or until ctx ends.
func collect(ctx context.Context, p *pipeline.Puller, mu *sync.Mutex, total *int, all chan struct{}) []uint64 {
	var seqs []uint64
	for {
		select {
		case e, ok := <-p.C():
			if !ok {
				return seqs
			}
			if e.Type != envelope.Task {
				return append(seqs, 0)
			}
			seqs = append(seqs, e.Seq)
			mu.Lock()
			if *total++; *total == pipelineN {
				close(all)
			}
			mu.Unlock()
		case <-all:
			return seqs
		case <-ctx.Done():
			return seqs
		}
	}
}

func checkTasks(t *testing.T, got [][]uint64) {
	t.Helper()
	seen := make(map[uint64]int, pipelineN)
	for i, seqs := range got {
		if len(seqs) == 0 {
			t.Errorf("puller %d got nothing: the load was not balanced", i)
		}
		for _, s := range seqs {
			seen[s]++
		}
	}
	for s := uint64(1); s <= pipelineN; s++ {
		if seen[s] != 1 {
			t.Errorf("task %d received %d times, want once", s, seen[s])
		}
	}
	if len(seen) != pipelineN {
		t.Errorf("received %d distinct tasks, want %d (0 marks a non-task)", len(seen), pipelineN)
	}
}
