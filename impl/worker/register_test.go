package worker_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
)

func TestRegistersAndHeartbeats(t *testing.T) {
	cp := newFakeCP(t)
	cfg := cp.workerConfig("worker-1")
	w := startWorker(t, cfg, nil)
	cli := commandClient(t, w)
	var in api.Instance
	must(t, call(t, cli, api.InstancesCreate, api.CreateInstance{ID: "inst-a", Image: "nginx"}, &in))

	testkit.Eventually(t, wait, func() bool {
		for _, hb := range cp.heartbeatsSeen() {
			if len(hb.Payload.Instances) == 1 {
				return true
			}
		}
		return false
	}, "no heartbeat listed the instance")
	reg := cp.lastRegister()
	if reg.NodeID != "worker-1" || reg.Address != w.Addresses()["bind"] || reg.Instances == nil {
		t.Errorf("register %+v, want worker-1 at %s", reg, w.Addresses()["bind"])
	}
	checkResources(t, "register", reg.Resources)
	start := time.Now().Add(-time.Minute)
	for i, hb := range cp.heartbeatsSeen() {
		p := hb.Payload
		if hb.Type != envelope.Heartbeat || p.NodeID != "worker-1" || p.Status != api.StatusOnline ||
			p.Timestamp.Before(start) || p.Timestamp.After(time.Now()) || p.Instances == nil {
			t.Errorf("heartbeat %d: %s %+v", i, hb.Type, p)
		}
		// Numbered from 1 with no gap on a quiet link, each sent at or
		// after it was due (the fake answers at once: no retry, no repeat).
		if p.Seq != uint64(i+1) || p.Due.IsZero() || p.Timestamp.Before(p.Due) {
			t.Errorf("heartbeat %d: seq %d, due %v, sent %v", i, p.Seq, p.Due, p.Timestamp)
		}
		checkResources(t, "heartbeat", p.Resources)
	}
	// The fake records a heartbeat before it replies, and the worker
	// counts it once the reply is in.
	testkit.Eventually(t, wait, func() bool { return w.Stats().Heartbeats > 0 }, "no heartbeat counted")
	if st := w.Stats(); !st.Registered || st.Registrations != 1 || st.HeartbeatFailures != 0 {
		t.Errorf("stats %+v", st)
	}
}

func checkResources(t *testing.T, what string, r api.Resources) {
	t.Helper()
	for name, v := range map[string]float64{"cpu": r.CPUPercent, "memory": r.MemoryPercent, "disk": r.DiskPercent} {
		if v < 0 || v > 100 {
			t.Errorf("%s: %s %v%% not in [0,100]", what, name, v)
		}
	}
	if r.MemoryPercent == 0 || r.DiskPercent == 0 {
		t.Errorf("%s: resources %+v not measured", what, r)
	}
}

func TestAdvertiseAddress(t *testing.T) {
	cp := newFakeCP(t)
	cfg := cp.workerConfig("worker-1")
	cfg.Messaging.AdvertiseAddress = "tcp://127.0.0.1:7777"
	w := startWorker(t, cfg, nil)
	testkit.Eventually(t, wait, func() bool { r, _, _ := cp.counts(); return r > 0 }, "never registered")
	if got := cp.lastRegister().Address; got != "tcp://127.0.0.1:7777" {
		t.Errorf("registered with %s, want the advertised address", got)
	}
	if a := w.Addresses(); a["advertise"] != "tcp://127.0.0.1:7777" || a["bind"] == a["advertise"] {
		t.Errorf("addresses %v", a)
	}
}

// A control plane that restarted answers Known=false: the worker registers
// again, with its instances, and goes on beating.
func TestReregistersWhenForgotten(t *testing.T) {
	cp := newFakeCP(t)
	w := startWorker(t, cp.workerConfig("worker-1"), nil)
	testkit.Eventually(t, wait, func() bool { _, hb, _ := cp.counts(); return hb >= 2 }, "no heartbeats")
	cp.forget("worker-1")
	testkit.Eventually(t, wait, func() bool { r, _, _ := cp.counts(); return r == 2 }, "did not register again")
	_, before, _ := cp.counts()
	testkit.Eventually(t, wait, func() bool { _, hb, _ := cp.counts(); return hb > before+1 }, "no heartbeats after registering again")
	if st := w.Stats(); st.Registrations != 2 || !st.Registered {
		t.Errorf("stats %+v", st)
	}
}

// Registration is retried, with backoff, until a control plane answers.
func TestRegisterRetriesUntilControlPlaneUp(t *testing.T) {
	streams := newFakeCP(t)
	cfg := streams.workerConfig("worker-1")
	cfg.Messaging.ControlPlaneAddress = freeAddress(t)
	cfg.Messaging.RequestTimeout = config.Seconds(100 * time.Millisecond)
	w := startWorker(t, cfg, nil)
	testkit.Eventually(t, wait, func() bool { return w.Stats().RegisterFailures >= 2 }, "registration not retried")
	if w.Stats().Registered {
		t.Fatal("registered with no control plane")
	}
	cp := newFakeCPAt(t, cfg.Messaging.ControlPlaneAddress)
	testkit.Eventually(t, wait, func() bool { return w.Stats().Registered }, "never registered once the control plane was up")
	if r, _, _ := cp.counts(); r != 1 {
		t.Errorf("%d registrations, want 1", r)
	}
}

// freeAddress returns an address nothing listens on, for a control plane
// that starts later: an ipc socket in the test's own folder, which no other
// test or program can take meanwhile (a tcp port picked free and bound
// later could be, and was: "bind: address already in use" with the
// packages' tests running in parallel).
func freeAddress(t *testing.T) string {
	t.Helper()
	return "ipc://" + filepath.Join(t.TempDir(), "cp.sock")
}
