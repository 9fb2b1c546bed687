package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3/protocol/pull"
	"go.nanomsg.org/mangos/v3/protocol/push"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/worker"
	"github.com/nngbench/nngbench/internal/wait"
)

const (
	benchWorkers = 8
	benchPayload = 1024
)

// BenchmarkTasks measures 1 KiB echo tasks to 8 workers, dispatched,
// executed and acknowledged end to end (submit to the control plane's
// completion), against bare mangos one-way push/pull of 1 KiB messages from
// one pusher to 8 pullers, in alternating blocks (testkit.Paired): both over
// loopback tcp, all in this process. cand-ns/op is per task, base-ns/op per
// message; 1e9 over them is tasks/s and msgs/s.
func BenchmarkTasks(b *testing.B) {
	base := barePushPull(b)
	cand := clusterTasks(b)
	testkit.Paired(b, 20000, base, cand)
}

// barePushPull returns a function that moves n 1 KiB messages from one
// PUSH socket to 8 PULL sockets and returns when all have arrived.
func barePushPull(b *testing.B) func(int) {
	tx, err := push.NewSocket()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tx.Close() })
	l, err := tx.NewListener("tcp://127.0.0.1:0", nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := l.Listen(); err != nil {
		b.Fatal(err)
	}
	var got atomic.Int64
	arrived := make(chan struct{}, 1)
	var wg sync.WaitGroup
	// Cleanups run last first: this wait must come after the pullers'
	// Close, registered below, ends their receive loops.
	b.Cleanup(wg.Wait)
	for range benchWorkers {
		rx, err := pull.NewSocket()
		if err != nil {
			b.Fatal(err)
		}
		if err := rx.Dial(l.Address()); err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				m, err := rx.RecvMsg()
				if err != nil {
					return
				}
				m.Free()
				got.Add(1)
				select {
				case arrived <- struct{}{}:
				default:
				}
			}
		}()
		b.Cleanup(func() { rx.Close() })
	}
	payload := []byte(strings.Repeat("x", benchPayload))
	run := func(n int) {
		target := got.Load() + int64(n)
		for range n {
			if err := tx.Send(payload); err != nil {
				b.Fatal(err)
			}
		}
		waitFor(b, &got, target, arrived)
	}
	run(2000)
	return run
}

// clusterTasks starts a control plane and 8 workers in this process and
// returns a function that submits n echo tasks and returns when all are
// completed.
func clusterTasks(b *testing.B) func(int) {
	var completed atomic.Int64
	done := make(chan struct{}, 1)
	cfg := controlplane.Default()
	for _, a := range []*string{&cfg.Messaging.BindAddress, &cfg.Messaging.PubAddress, &cfg.Messaging.TaskAddress,
		&cfg.Messaging.ResultAddress, &cfg.Messaging.AdminAddress} {
		*a = "tcp://127.0.0.1:0"
	}
	cfg.MetricsAddress = "127.0.0.1:0"
	cfg.Messaging.HeartbeatInterval = config.Seconds(time.Second)
	cfg.Messaging.HeartbeatTimeout = config.Seconds(10 * time.Second)
	cfg.Tasks.Lease = config.Seconds(30 * time.Second)
	cp, err := controlplane.New(cfg, controlplane.Options{Logger: logging.Discard(), OnEvent: func(e controlplane.Event) {
		if e.Kind == controlplane.TaskCompleted {
			completed.Add(1)
			select {
			case done <- struct{}{}:
			default:
			}
		}
	}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := cp.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cp.Close() })
	addrs := cp.Addresses()
	for i := range benchWorkers {
		wc := worker.DefaultConfig()
		wc.NodeID = fmt.Sprintf("worker-%d", i+1)
		wc.Messaging.BindAddress = "tcp://127.0.0.1:0"
		wc.Messaging.ControlPlaneAddress = addrs["bind"]
		wc.Messaging.SubAddress = addrs["pub"]
		wc.Messaging.TaskAddress = addrs["tasks"]
		wc.Messaging.ResultAddress = addrs["results"]
		wc.Messaging.HeartbeatInterval = config.Seconds(time.Second)
		w, err := worker.New(wc, worker.Options{Logger: logging.Discard()})
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Start(ctx); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { w.Close() })
	}
	wait.Until(b, 30*time.Second, "8 workers online", func() bool { return online(cp) == benchWorkers })
	payload := strings.Repeat("x", benchPayload)
	var seq atomic.Int64
	run := func(n int) {
		target := completed.Load() + int64(n)
		tasks := make([]api.Task, n)
		for i := range tasks {
			tasks[i] = api.Task{ID: fmt.Sprintf("t%d", seq.Add(1)), Kind: api.TaskEcho, Payload: payload}
		}
		if err := cp.SubmitTasks(tasks); err != nil {
			b.Fatal(err)
		}
		waitFor(b, &completed, target, done)
	}
	run(2000)
	return run
}

func online(cp *controlplane.ControlPlane) int {
	n := 0
	for _, node := range cp.Nodes() {
		if node.Status == api.StatusOnline {
			n++
		}
	}
	return n
}

// waitFor blocks until counter reaches target, woken by signal, failing
// after a minute without progress.
func waitFor(b *testing.B, counter *atomic.Int64, target int64, signal <-chan struct{}) {
	for counter.Load() < target {
		select {
		case <-signal:
		case <-time.After(time.Minute):
			b.Fatalf("stuck at %d of %d", counter.Load(), target)
		}
	}
}
