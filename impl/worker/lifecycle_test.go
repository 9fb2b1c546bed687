package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/clock"
	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/transport"
	"github.com/nngbench/nngbench/impl/worker"
)

// Two workers in one process share a registry: every socket has its own
// name, and /metrics shows each worker's series.
func TestMetrics(t *testing.T) {
	cp := newFakeCP(t)
	reg := metrics.NewRegistry()
	w1 := startWorker(t, cp.workerConfig("worker-1"), reg)
	startWorker(t, cp.workerConfig("worker-2"), reg)
	// The survey respondents come once registered.
	testkit.Eventually(t, wait, func() bool { return cp.surveyor.Stats().Connections == 2 }, "respondents not connected")

	var names []string
	for _, s := range reg.Snapshot().Sockets {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	want := []string{
		"worker-1", "worker-1->controlplane", "worker-1/broadcasts", "worker-1/results", "worker-1/surveys", "worker-1/tasks",
		"worker-2", "worker-2->controlplane", "worker-2/broadcasts", "worker-2/results", "worker-2/surveys", "worker-2/tasks",
	}
	if !slices.Equal(names, want) {
		t.Errorf("sockets %v, want %v", names, want)
	}

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: wait}
	resp, err := client.Get("http://" + w1.Addresses()["metrics"] + "/metrics")
	must(t, err)
	body, err := io.ReadAll(resp.Body)
	must(t, err)
	must(t, resp.Body.Close())
	for _, s := range []string{
		`nngbench_messages_sent_total{pattern="req",socket="worker-1->controlplane"}`,
		`nngbench_worker_tasks_executed_total{node="worker-1"} 0`,
		`nngbench_worker_tasks_executed_total{node="worker-2"} 0`,
	} {
		if !strings.Contains(string(body), s) {
			t.Errorf("/metrics lacks %s", s)
		}
	}
}

func TestStartAndClose(t *testing.T) {
	cp := newFakeCP(t)
	w, err := worker.New(cp.workerConfig("worker-1"), worker.Options{})
	must(t, err)
	must(t, w.Start(context.Background()))
	if err := w.Start(context.Background()); !errors.Is(err, worker.ErrStarted) {
		t.Errorf("second Start: %v", err)
	}
	// Closing a mangos listener while it still handshakes a connection is
	// a data race inside mangos: let the worker's dials settle first.
	cp.connected(1)
	must(t, w.Close())
	must(t, w.Close())

	never, err := worker.New(cp.workerConfig("worker-2"), worker.Options{})
	must(t, err)
	must(t, never.Close())
	if err := never.Start(context.Background()); !errors.Is(err, worker.ErrClosed) {
		t.Errorf("Start after Close: %v", err)
	}

	taken := cp.workerConfig("worker-3")
	taken.Messaging.BindAddress = cp.repAddr // already bound by the control plane
	bad, err := worker.New(taken, worker.Options{})
	must(t, err)
	if err := bad.Start(context.Background()); err == nil {
		t.Error("started on an address in use")
	}
	must(t, bad.Close())
}

// An instance takes start_seconds of simulated time to start, on the
// worker's clock.
func TestInstanceStartTime(t *testing.T) {
	cp := newFakeCP(t)
	cp.interval = 3600
	cfg := cp.workerConfig("worker-1")
	cfg.Instances.StartSeconds = config.Seconds(30 * time.Second)
	start := time.Date(2026, 3, 19, 10, 30, 0, 0, time.UTC)
	clk := clock.NewFake(start)
	w, err := worker.New(cfg, worker.Options{Clock: clk})
	must(t, err)
	t.Cleanup(func() { _ = w.Close() })
	must(t, w.Start(context.Background()))
	testkit.Eventually(t, wait, func() bool { return w.Stats().Registered }, "never registered")
	testkit.Eventually(t, wait, func() bool { return clk.Waiters() == 1 }, "no heartbeat timer")

	cli := commandClient(t, w)
	data, err := envelope.DataOf(api.CreateInstance{ID: "inst-s", Image: "nginx"})
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	done := make(chan api.Instance, 1)
	go func() {
		defer close(done)
		var in api.Instance
		if resp, err := cli.Call(ctx, "worker", api.InstancesCreate, data); err == nil && json.Unmarshal(resp.Data, &in) == nil {
			done <- in
		}
	}()
	must(t, clk.BlockUntil(ctx, 2))
	select {
	case in := <-done:
		t.Fatalf("created %+v before its start time", in)
	default:
	}
	clk.Advance(30 * time.Second)
	select {
	case in, ok := <-done:
		if !ok || in.State != "running" || !in.CreatedAt.Equal(start.Add(30*time.Second)) {
			t.Errorf("created %+v (%v)", in, ok)
		}
	case <-ctx.Done():
		t.Fatal("create did not return after the start time")
	}
}

// With mutual TLS on every link, the worker registers, serves commands
// over tls+tcp, and takes tasks.
func TestMutualTLS(t *testing.T) {
	ca := testkit.NewCA(t, "test-ca")
	srv, err := ca.Material(t, "controlplane").Server()
	must(t, err)
	cp := newFakeCPOn(t, "tls+tcp", "tls+tcp://127.0.0.1:0",
		transport.Options{TLS: srv, DialTLS: ca.Material(t, "controlplane").Client()})
	cfg := cp.workerConfig("worker-1")
	cfg.Messaging.BindAddress = "tls+tcp://127.0.0.1:0"
	cfg.Messaging.TLS = ca.Files(t, "worker-1")
	if !cfg.Messaging.TLS.VerifyPeer {
		t.Fatal("the test wants peers verified")
	}
	w := startWorker(t, cfg, nil)
	testkit.Eventually(t, wait, func() bool { return w.Stats().Registered }, "never registered over TLS")
	cp.connected(1)

	cli, err := reqrep.NewClient(reqrep.ClientConfig{Name: "test", Timeout: wait,
		Transport: transport.Options{TLS: srv, DialTLS: ca.Material(t, "admin").Client()}})
	must(t, err)
	t.Cleanup(func() { _ = cli.Close() })
	must(t, cli.AddPeer("worker", w.Addresses()["bind"]))
	var h api.WorkerHealth
	must(t, call(t, cli, api.Health, nil, &h))
	if h.NodeID != "worker-1" {
		t.Errorf("health %+v", h)
	}
	cp.sendTasks(api.TaskBatch{Tasks: []api.Task{{ID: "t", Kind: api.TaskEcho, Payload: "x"}}, LeaseUntil: lease(time.Minute)})
	if r := collect(t, cp, 1); r[0].Output != "x" {
		t.Errorf("result %+v", r)
	}
}
