package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/pipeline"
	"github.com/nngbench/nngbench/impl/pubsub"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/survey"
	"github.com/nngbench/nngbench/impl/transport"
	"github.com/nngbench/nngbench/impl/worker"
)

const wait = 10 * time.Second

// fakeCP is a control plane made of the messaging layer: a REP answering
// register, heartbeat and snapshot, a PUB for config broadcasts, a PUSH
// for tasks and a PULL for results. It records what the worker sent.
type fakeCP struct {
	t    *testing.T
	reg  *metrics.Registry
	srv  *reqrep.Server
	pub  *pubsub.Publisher
	push *pipeline.Pusher
	pull *pipeline.Puller

	surveyor                               *survey.Surveyor
	repAddr, pubAddr, taskAddr, resultAddr string
	surveyAddr                             string // told to workers on registration; under mu

	mu         sync.Mutex
	registers  []api.Register
	heartbeats []seenHeartbeat
	known      map[string]bool
	snapshot   api.ConfigSnapshot
	snapshots  int     // snapshot requests answered
	interval   float64 // heartbeat_interval_seconds in register replies
}

type seenHeartbeat struct {
	Type    envelope.Type
	Payload api.Heartbeat
}

func newFakeCP(t *testing.T) *fakeCP {
	t.Helper()
	return newFakeCPOn(t, "tcp", "tcp://127.0.0.1:0", transport.Options{})
}

// newFakeCPAt binds the fake's REP at repAddr, the rest on free ports.
func newFakeCPAt(t *testing.T, repAddr string) *fakeCP {
	t.Helper()
	return newFakeCPOn(t, "tcp", repAddr, transport.Options{})
}

// newFakeCPOn binds the fake's REP at repAddr and the rest on free ports
// of scheme, every socket with opts.
func newFakeCPOn(t *testing.T, scheme, repAddr string, opts transport.Options) *fakeCP {
	t.Helper()
	return newFakeCPSigning(t, scheme, repAddr, opts, nil)
}

// newFakeCPSigning is newFakeCPOn with broadcasts signed with key (nil: unsigned).
func newFakeCPSigning(t *testing.T, scheme, repAddr string, opts transport.Options, key *envelope.Key) *fakeCP {
	t.Helper()
	cp := &fakeCP{t: t, reg: metrics.NewRegistry(), known: map[string]bool{}}
	srv, err := reqrep.NewServer(reqrep.ServerConfig{Name: "controlplane", Transport: opts, Metrics: cp.reg, Key: key})
	must(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	cp.srv = srv
	srv.Handle(api.NodesRegister, cp.onRegister)
	srv.Handle(api.NodesHeartbeat, cp.onHeartbeat)
	srv.Handle(api.ConfigLatest, cp.onSnapshot)
	cp.repAddr, err = srv.Listen(repAddr)
	must(t, err)
	free := scheme + "://127.0.0.1:0"

	pub, err := pubsub.NewPublisher(pubsub.PublisherConfig{Name: "cp/pub", Transport: opts, Metrics: cp.reg, Key: key})
	must(t, err)
	t.Cleanup(func() { _ = pub.Close() })
	cp.pub, cp.pubAddr = pub, listen(t, pub.Listen, free)

	push, err := pipeline.NewPusher(pipeline.PusherConfig{Name: "cp/tasks", Transport: opts, Metrics: cp.reg})
	must(t, err)
	t.Cleanup(func() { _ = push.Close() })
	cp.push, cp.taskAddr = push, listen(t, push.Listen, free)

	pull, err := pipeline.NewPuller(pipeline.PullerConfig{Name: "cp/results", Transport: opts, Metrics: cp.reg})
	must(t, err)
	t.Cleanup(func() { _ = pull.Close() })
	cp.pull, cp.resultAddr = pull, listen(t, pull.Listen, free)

	sv, err := survey.NewSurveyor(survey.SurveyorConfig{Name: "cp/survey", Transport: opts, Metrics: cp.reg, Deadline: time.Second})
	must(t, err)
	t.Cleanup(func() { _ = sv.Close() })
	addr := listen(t, sv.Listen, free)
	cp.mu.Lock() // the REP server is already answering registrations
	cp.surveyor, cp.surveyAddr = sv, addr
	cp.mu.Unlock()
	return cp
}

func listen(t *testing.T, l func(string) (string, error), addr string) string {
	t.Helper()
	addr, err := l(addr)
	must(t, err)
	return addr
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (cp *fakeCP) onRegister(_ context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	var r api.Register
	if err := req.Bind(&r); err != nil {
		return nil, err
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.registers = append(cp.registers, r)
	cp.known[r.NodeID] = true
	return envelope.DataOf(api.RegisterReply{HeartbeatIntervalSeconds: cp.interval, ConfigVersion: cp.snapshot.Version,
		SurveyAddress: cp.surveyAddr})
}

func (cp *fakeCP) onHeartbeat(_ context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	var hb api.Heartbeat
	if err := req.Bind(&hb); err != nil { // strict: the reference payload, nothing more
		return nil, err
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.heartbeats = append(cp.heartbeats, seenHeartbeat{Type: req.Type, Payload: hb})
	return envelope.DataOf(api.HeartbeatReply{Known: cp.known[hb.NodeID], ConfigVersion: cp.snapshot.Version})
}

func (cp *fakeCP) onSnapshot(context.Context, *envelope.Envelope) (json.RawMessage, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.snapshots++
	return envelope.DataOf(cp.snapshot)
}

// forget makes the next heartbeats of node answer Known=false, as after a
// control plane restart.
func (cp *fakeCP) forget(node string) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	delete(cp.known, node)
}

func (cp *fakeCP) setSnapshot(s api.ConfigSnapshot) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.snapshot = s
}

func (cp *fakeCP) counts() (registers, heartbeats, snapshots int) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return len(cp.registers), len(cp.heartbeats), cp.snapshots
}

func (cp *fakeCP) lastRegister() api.Register {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return cp.registers[len(cp.registers)-1]
}

func (cp *fakeCP) heartbeatsSeen() []seenHeartbeat {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return append([]seenHeartbeat(nil), cp.heartbeats...)
}

// publish broadcasts a config version.
func (cp *fakeCP) publish(s api.ConfigSnapshot) {
	cp.t.Helper()
	data, err := envelope.DataOf(s)
	must(cp.t, err)
	_, err = cp.pub.Publish(api.TopicConfigUpdate, data)
	must(cp.t, err)
}

// sendTasks pushes one batch.
func (cp *fakeCP) sendTasks(b api.TaskBatch) {
	cp.t.Helper()
	data, err := envelope.DataOf(b)
	must(cp.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, err = cp.push.PushTask(ctx, api.TaskEndpoint, data)
	must(cp.t, err)
}

// results receives one result batch.
func (cp *fakeCP) results(ctx context.Context) (api.ResultBatch, error) {
	var rb api.ResultBatch
	e, err := cp.pull.Recv(ctx)
	if err != nil {
		return rb, err
	}
	if e.Endpoint != api.ResultEndpoint || e.Type != envelope.Task {
		return rb, fmt.Errorf("result envelope %s %s", e.Type, e.Endpoint)
	}
	return rb, e.Bind(&rb)
}

// connected waits until the worker has dialed every socket of the fake.
func (cp *fakeCP) connected(workers int) {
	cp.t.Helper()
	testkit.Eventually(cp.t, wait, func() bool {
		snap := cp.reg.Snapshot()
		for _, name := range []string{"controlplane", "cp/pub", "cp/tasks", "cp/results"} {
			if st, _ := snap.Socket(name); st.Connections < int64(workers) {
				return false
			}
		}
		return true
	}, "the worker never connected to every socket of the control plane")
}

// workerConfig is a config for a worker of cp, fast enough for tests.
func (cp *fakeCP) workerConfig(node string) worker.Config {
	cfg := worker.DefaultConfig()
	cfg.NodeID = node
	m := &cfg.Messaging
	m.BindAddress = "tcp://127.0.0.1:0"
	m.ControlPlaneAddress, m.SubAddress, m.TaskAddress, m.ResultAddress = cp.repAddr, cp.pubAddr, cp.taskAddr, cp.resultAddr
	m.HeartbeatInterval = config.Seconds(50 * time.Millisecond)
	m.ReconnectInterval = config.Seconds(100 * time.Millisecond)
	m.RequestTimeout = config.Seconds(2 * time.Second)
	cfg.Instances.StartSeconds = config.Seconds(10 * time.Millisecond)
	return cfg
}

// startWorker starts a worker with cfg; the test's cleanup closes it.
func startWorker(t *testing.T, cfg worker.Config, reg *metrics.Registry) *worker.Worker {
	t.Helper()
	w, err := worker.New(cfg, worker.Options{Metrics: reg})
	must(t, err)
	t.Cleanup(func() { _ = w.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	must(t, w.Start(ctx))
	return w
}

// commandClient is a reqrep client with the worker as peer "worker".
func commandClient(t *testing.T, w *worker.Worker) *reqrep.Client {
	t.Helper()
	cli, err := reqrep.NewClient(reqrep.ClientConfig{Name: "test", Timeout: wait})
	must(t, err)
	t.Cleanup(func() { _ = cli.Close() })
	must(t, cli.AddPeer("worker", w.Addresses()["bind"]))
	return cli
}

// call sends in to endpoint and decodes the reply into out (if not nil).
func call(t *testing.T, cli *reqrep.Client, endpoint string, in, out any) error {
	t.Helper()
	var data json.RawMessage
	if in != nil {
		var err error
		data, err = envelope.DataOf(in)
		must(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	resp, err := cli.Call(ctx, "worker", endpoint, data)
	if err != nil {
		return err
	}
	if out != nil {
		return json.Unmarshal(resp.Data, out)
	}
	return nil
}
