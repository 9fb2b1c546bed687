package controlplane_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/pipeline"
	"github.com/nngbench/nngbench/impl/reqrep"
)

// fakeWorker is an in-process worker built from the messaging layer: a REP
// server with an in-memory instance map, a client that registers and
// beats, a puller for tasks and a pusher for results. Its knobs let a test
// stop its heartbeats, fail its creates, and swallow or double its results.
type fakeWorker struct {
	t    *testing.T
	id   string
	addr string // its command socket
	cp   map[string]string

	srv    *reqrep.Server
	client *reqrep.Client
	tasks  *pipeline.Puller
	result *pipeline.Pusher

	beating     atomic.Bool                   // heartbeats are sent
	lastBeat    atomic.Int64                  // unix ns when the last heartbeat or registration was sent
	failCreates atomic.Int32                  // creates still to fail
	creates     atomic.Int32                  // create requests received
	swallow     atomic.Bool                   // never answer tasks
	twice       atomic.Bool                   // answer every task twice
	held        atomic.Pointer[chan struct{}] // commands wait for it to close: cut off

	mu       sync.Mutex
	insts    map[string]api.Instance
	received map[string]int    // task id -> times received
	tokens   map[string]string // task id -> lease token of its last delivery
	leases   []time.Time       // LeaseUntil of each batch received
	answered int               // tasks answered

	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	stopped sync.Once
}

type fakeOpts struct {
	interval  time.Duration // heartbeat interval
	noBeats   bool          // register only
	instances []string      // instances it already has when it registers
	noTasks   bool          // do not connect to the task pipeline
}

// newFake starts a fake worker and registers it with cp.
func newFake(t *testing.T, id string, cp *controlplane.ControlPlane, o fakeOpts) *fakeWorker {
	t.Helper()
	addrs := cp.Addresses()
	f := &fakeWorker{t: t, id: id, cp: addrs, insts: map[string]api.Instance{}, received: map[string]int{},
		tokens: map[string]string{}}
	for _, inst := range o.instances {
		f.insts[inst] = api.Instance{ID: inst, Image: "preloaded", State: "running", CreatedAt: time.Now()}
	}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	t.Cleanup(func() {
		// The control plane goes first (Close is idempotent): mangos v3.4.2
		// races (-race) when a listener closes during a handshake, which a
		// control plane redialling a closing worker could start.
		if err := cp.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		f.stop()
	})
	var err error
	if f.srv, err = reqrep.NewServer(reqrep.ServerConfig{Name: id}); err != nil {
		t.Fatal(err)
	}
	f.handle()
	if f.addr, err = f.srv.Listen("tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if f.client, err = reqrep.NewClient(reqrep.ClientConfig{Name: id, Timeout: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := f.client.AddPeer("cp", addrs["bind"]); err != nil {
		t.Fatal(err)
	}
	if !o.noTasks {
		f.startTasks()
	}
	if err := f.register(); err != nil {
		t.Fatalf("%s: register: %v", id, err)
	}
	if !o.noBeats {
		f.beating.Store(true)
		f.wg.Add(1)
		go f.beat(o.interval)
	}
	return f
}

// stop closes the worker as a crash would: nothing is unregistered.
func (f *fakeWorker) stop() {
	f.stopped.Do(func() {
		f.release()
		f.cancel()
		f.wg.Wait()
		if f.client != nil {
			f.client.Close()
		}
		if f.srv != nil {
			f.srv.Close()
		}
		if f.tasks != nil {
			f.tasks.Close()
		}
		if f.result != nil {
			f.result.Close()
		}
	})
}

func (f *fakeWorker) handle() {
	f.srv.Handle(api.InstancesCreate, func(ctx context.Context, req *envelope.Envelope) (json.RawMessage, error) {
		var c api.CreateInstance
		if err := req.Bind(&c); err != nil {
			return nil, err
		}
		if err := f.wait(ctx); err != nil {
			return nil, err
		}
		f.creates.Add(1)
		if f.failCreates.Add(-1) >= 0 {
			return nil, errors.New("fake: create refused")
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		inst, ok := f.insts[c.ID]
		if !ok { // idempotent: the same id again returns what exists
			inst = api.Instance{ID: c.ID, Image: c.Image, Config: c.Config, State: "running", Node: f.id, CreatedAt: time.Now()}
			f.insts[c.ID] = inst
		}
		return envelope.DataOf(inst)
	})
	f.srv.Handle(api.InstancesDelete, func(ctx context.Context, req *envelope.Envelope) (json.RawMessage, error) {
		var d api.DeleteInstance
		if err := req.Bind(&d); err != nil {
			return nil, err
		}
		if err := f.wait(ctx); err != nil {
			return nil, err
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		_, ok := f.insts[d.ID]
		delete(f.insts, d.ID)
		return envelope.DataOf(api.DeleteResult{ID: d.ID, Deleted: ok})
	})
	f.srv.Handle(api.InstancesList, func(context.Context, *envelope.Envelope) (json.RawMessage, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		return envelope.DataOf(api.InstanceList{Instances: slices.Collect(maps.Values(f.insts))})
	})
}

// hold makes commands wait, as if the command link were cut; release
// lets them (and those waiting) through.
func (f *fakeWorker) hold() {
	ch := make(chan struct{})
	f.held.Store(&ch)
}

func (f *fakeWorker) release() {
	if ch := f.held.Swap(nil); ch != nil {
		close(*ch)
	}
}

func (f *fakeWorker) wait(ctx context.Context) error {
	ch := f.held.Load()
	if ch == nil {
		return nil
	}
	select {
	case <-*ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *fakeWorker) instanceIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.insts))
}

func (f *fakeWorker) register() error {
	data, err := envelope.DataOf(api.Register{NodeID: f.id, Address: f.addr, Instances: f.instanceIDs()})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	f.lastBeat.Store(time.Now().UnixNano())
	_, err = f.client.Call(ctx, "cp", api.NodesRegister, data)
	return err
}

// beat sends a heartbeat every interval while beating is on, and
// registers again when the control plane does not know it.
func (f *fakeWorker) beat(interval time.Duration) {
	defer f.wg.Done()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-f.ctx.Done():
			return
		case <-tick.C:
		}
		if !f.beating.Load() {
			continue
		}
		f.lastBeat.Store(time.Now().UnixNano())
		data, err := envelope.DataOf(api.Heartbeat{NodeID: f.id, Timestamp: time.Now(), Status: "healthy", Instances: f.instanceIDs()})
		if err != nil {
			f.t.Error(err)
			return
		}
		ctx, cancel := context.WithTimeout(f.ctx, 2*time.Second)
		resp, err := f.client.Do(ctx, "cp", envelope.New(envelope.Heartbeat, f.id, api.NodesHeartbeat, data))
		cancel()
		if err != nil {
			continue // the next beat tries again
		}
		var reply api.HeartbeatReply
		if json.Unmarshal(resp.Data, &reply) == nil && !reply.Known {
			_ = f.register()
		}
	}
}

func (f *fakeWorker) startTasks() {
	var err error
	if f.tasks, err = pipeline.NewPuller(pipeline.PullerConfig{Name: f.id + "/tasks"}); err != nil {
		f.t.Fatal(err)
	}
	if f.result, err = pipeline.NewPusher(pipeline.PusherConfig{Name: f.id + "/results"}); err != nil {
		f.t.Fatal(err)
	}
	if err := f.tasks.Dial(f.cp["tasks"]); err != nil {
		f.t.Fatal(err)
	}
	if err := f.result.Dial(f.cp["results"]); err != nil {
		f.t.Fatal(err)
	}
	f.wg.Add(1)
	go f.work()
}

// work answers task batches with echo results, unless told otherwise.
func (f *fakeWorker) work() {
	defer f.wg.Done()
	for {
		var e *envelope.Envelope
		select {
		case <-f.ctx.Done():
			return
		case e = <-f.tasks.C():
		}
		var batch api.TaskBatch
		if err := json.Unmarshal(e.Data, &batch); err != nil {
			f.t.Errorf("%s: bad task batch: %v", f.id, err)
			return
		}
		f.mu.Lock()
		for _, task := range batch.Tasks {
			f.received[task.ID]++
			f.tokens[task.ID] = task.Lease
		}
		f.leases = append(f.leases, batch.LeaseUntil)
		f.mu.Unlock()
		if f.swallow.Load() {
			continue
		}
		rb := api.ResultBatch{}
		for _, task := range batch.Tasks {
			rb.Results = append(rb.Results, api.TaskResult{TaskID: task.ID, NodeID: f.id, Lease: task.Lease, Output: task.Payload})
		}
		sends := 1
		if f.twice.Load() {
			sends = 2
		}
		for range sends {
			data, _ := json.Marshal(rb)
			if _, err := f.result.PushTask(f.ctx, api.ResultEndpoint, data); err != nil {
				return // closing
			}
		}
		f.mu.Lock()
		f.answered += len(batch.Tasks)
		f.mu.Unlock()
	}
}

func (f *fakeWorker) receivedCount() (tasks, deliveries int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.received {
		tasks++
		deliveries += n
	}
	return tasks, deliveries
}

func (f *fakeWorker) answeredCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.answered
}

func (f *fakeWorker) batchLeases() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.leases)
}

// token returns the lease token of id's last delivery here.
func (f *fakeWorker) token(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokens[id]
}
