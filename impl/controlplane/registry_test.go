package controlplane_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/pubsub"
)

// Three workers, thirty instances; one goes silent: it is declared offline
// in time, its instances move to the others, and when it comes back with
// its stale copies they are deleted from it.
func TestOfflineMigrationAndReconcile(t *testing.T) {
	// Margins for shared, loaded machines: the monitor ticks every 125ms,
	// so detection has 375ms of slack within timeout + one interval.
	const interval, timeout = 500 * time.Millisecond, 1500 * time.Millisecond
	cp, rec := start(t, testConfig(interval, timeout), controlplane.Options{})
	w1 := newFake(t, "w1", cp, fakeOpts{interval: interval, noTasks: true})
	w2 := newFake(t, "w2", cp, fakeOpts{interval: interval, noTasks: true})
	w3 := newFake(t, "w3", cp, fakeOpts{interval: interval, noTasks: true})
	sub := subscribe(t, cp, "node.")

	ctx := context.Background()
	for i := range 30 {
		if _, err := cp.CreateInstance(ctx, api.CreateInstance{Image: fmt.Sprintf("nginx:%d", i)}); err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	for _, f := range []*fakeWorker{w1, w2, w3} {
		if n := len(f.instanceIDs()); n != 10 {
			t.Errorf("%s has %d instances, want 10 (balanced)", f.id, n)
		}
	}
	checkPlacement(t, cp, w1, w2, w3)
	stale := w3.instanceIDs()

	w3.beating.Store(false)
	checkDetection(t, rec, w3, timeout+interval)
	if got := nodeByID(cp, "w3").Status; got != api.StatusOffline {
		t.Errorf("w3 status %q", got)
	}
	expectPublished(t, sub, api.TopicNodeOffline, "w3")

	testkit.Eventually(t, wait, func() bool { return len(rec.of(controlplane.MigrationDone, onNode("w3"))) == 1 },
		"migration off w3 never done")
	t.Logf("migration: %s", rec.of(controlplane.MigrationDone, onNode("w3"))[0].Detail)
	if n := len(rec.of(controlplane.InstanceMigrated, nil)); n != 10 {
		t.Errorf("%d instances migrated, want 10", n)
	}
	if a, b := len(w1.instanceIDs()), len(w2.instanceIDs()); a != 15 || b != 15 {
		t.Errorf("after migration w1 has %d, w2 %d, want 15 each", a, b)
	}
	checkPlacement(t, cp, w1, w2) // w3 still holds its stale copies, unknown to the registry's view of it
	if got := w3.instanceIDs(); len(got) != 10 {
		t.Fatalf("w3 lost its stale copies before coming back: %v", got)
	}

	w3.beating.Store(true)
	testkit.Eventually(t, wait, func() bool { return len(w3.instanceIDs()) == 0 },
		"w3's stale instances were never deleted")
	expectPublished(t, sub, api.TopicNodeOnline, "w3")
	testkit.Eventually(t, wait, func() bool { return len(rec.of(controlplane.NodeOnline, onNode("w3"))) == 1 },
		"%d node online events for w3, want 1", len(rec.of(controlplane.NodeOnline, onNode("w3"))))
	// The worker deletes before the control plane hears back and says so.
	testkit.Eventually(t, wait, func() bool { return len(rec.of(controlplane.InstanceReconciled, onNode("w3"))) >= len(stale) },
		"%d reconciled on w3, want %d", len(rec.of(controlplane.InstanceReconciled, onNode("w3"))), len(stale))
	reconciled := rec.of(controlplane.InstanceReconciled, onNode("w3"))
	if len(reconciled) != len(stale) {
		t.Errorf("%d reconciled on w3, want %d", len(reconciled), len(stale))
	}
	for _, r := range reconciled {
		if !strings.HasPrefix(r.Detail, "deleted") {
			t.Errorf("reconciled %s: %s", r.Instance, r.Detail)
		}
	}
	checkPlacement(t, cp, w1, w2, w3)
	if n := len(cp.Instances()); n != 30 {
		t.Errorf("%d instances, want 30", n)
	}
}

// A create that fails during a migration is tried again on a later pass
// until the instance is placed.
func TestMigrationRetriesFailedCreates(t *testing.T) {
	const interval = 200 * time.Millisecond
	cp, rec := start(t, testConfig(interval, 5*interval), controlplane.Options{})
	a := newFake(t, "a", cp, fakeOpts{interval: interval, noTasks: true})
	for i := range 4 {
		if _, err := cp.CreateInstance(context.Background(), api.CreateInstance{ID: fmt.Sprint("i", i), Image: "redis"}); err != nil {
			t.Fatal(err)
		}
	}
	b := newFake(t, "b", cp, fakeOpts{interval: interval, noTasks: true})
	b.failCreates.Store(3)
	a.beating.Store(false)

	testkit.Eventually(t, wait, func() bool { return len(rec.of(controlplane.MigrationDone, onNode("a"))) == 1 },
		"migration off a never done (b received %d creates)", b.creates.Load())
	if got := b.instanceIDs(); len(got) != 4 {
		t.Errorf("b has %v, want the 4 instances", got)
	}
	if n := b.creates.Load(); n < 4+3 {
		t.Errorf("b received %d creates, want the 3 refused and 4 more", n)
	}
	for _, inst := range cp.Instances() {
		if inst.Node != "b" {
			t.Errorf("instance %s placed on %s", inst.ID, inst.Node)
		}
	}
}

// A worker that restarts at a new address with no instances gets them back,
// and the control plane talks to the new address.
func TestRestartedWorkerGetsItsInstancesBack(t *testing.T) {
	const interval = 100 * time.Millisecond
	cp, rec := start(t, testConfig(interval, 100*interval), controlplane.Options{})
	old := newFake(t, "w1", cp, fakeOpts{interval: interval, noTasks: true})
	inst, err := cp.CreateInstance(context.Background(), api.CreateInstance{Image: "nginx", Config: map[string]string{"port": "80"}})
	if err != nil {
		t.Fatal(err)
	}
	old.stop()

	restarted := newFake(t, "w1", cp, fakeOpts{interval: interval, noTasks: true})
	testkit.Eventually(t, wait, func() bool { return len(restarted.instanceIDs()) == 1 },
		"the instance was never re-created on the restarted worker")
	if got := restarted.instanceIDs()[0]; got != inst.ID {
		t.Errorf("re-created %s, want %s", got, inst.ID)
	}
	if n := nodeByID(cp, "w1"); n.Address != restarted.addr {
		t.Errorf("address %s, want the new %s", n.Address, restarted.addr)
	}
	testkit.Eventually(t, wait, func() bool { return len(rec.of(controlplane.InstanceReconciled, onNode("w1"))) == 1 },
		"%d reconciled events, want 1", len(rec.of(controlplane.InstanceReconciled, onNode("w1"))))
	checkPlacement(t, cp, restarted)
}

// Instances a worker reports that the control plane never heard of (it
// restarted) are adopted, not deleted.
func TestUnknownInstancesAreAdopted(t *testing.T) {
	const interval = 100 * time.Millisecond
	cp, rec := start(t, testConfig(interval, 100*interval), controlplane.Options{})
	w := newFake(t, "w1", cp, fakeOpts{interval: interval, noTasks: true, instances: []string{"old-1", "old-2"}})
	testkit.Eventually(t, wait, func() bool { return len(cp.Instances()) == 2 }, "instances never adopted")
	for _, inst := range cp.Instances() {
		if inst.Node != "w1" || inst.Image != "preloaded" {
			t.Errorf("adopted %+v", inst)
		}
	}
	testkit.Eventually(t, wait, func() bool { return len(rec.of(controlplane.InstanceCreated, onNode("w1"))) == 2 },
		"%d created events, want 2", len(rec.of(controlplane.InstanceCreated, onNode("w1"))))
	checkPlacement(t, cp, w)
}

// A heartbeat from a node the control plane does not know is answered
// Known false, and the worker's registration then makes it known.
func TestHeartbeatFromUnknownNode(t *testing.T) {
	cp, _ := start(t, testConfig(time.Second, 10*time.Second), controlplane.Options{})
	w := newFake(t, "w1", cp, fakeOpts{noBeats: true, noTasks: true})
	for _, tc := range []struct {
		node  string
		known bool
	}{{"stranger", false}, {"w1", true}} {
		data, _ := json.Marshal(api.Heartbeat{NodeID: tc.node, Timestamp: time.Now()})
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		resp, err := w.client.Call(ctx, "cp", api.NodesHeartbeat, data)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		var reply api.HeartbeatReply
		if err := json.Unmarshal(resp.Data, &reply); err != nil || reply.Known != tc.known {
			t.Errorf("%s: reply %s (%v), want known=%v", tc.node, resp.Data, err, tc.known)
		}
	}
	if n := len(cp.Nodes()); n != 1 {
		t.Errorf("%d nodes, want 1: a heartbeat does not register", n)
	}
}

// checkDetection waits for f's node to be declared offline and checks it
// was within bound of the last time it was heard from.
func checkDetection(t *testing.T, rec *recorder, f *fakeWorker, bound time.Duration) {
	t.Helper()
	testkit.Eventually(t, wait, func() bool { return len(rec.of(controlplane.NodeOffline, onNode(f.id))) == 1 },
		"%s never declared offline", f.id)
	off := rec.of(controlplane.NodeOffline, onNode(f.id))[0]
	detection := off.At.Sub(time.Unix(0, f.lastBeat.Load())) // the last heartbeat, or the registration
	// On a loaded machine the monitor itself may run late; the time it
	// could not run is not counted against nodes, and says so.
	stalled := stalledFor(t, off.Detail)
	t.Logf("offline detected %v after the last heartbeat was sent (%s)", detection, off.Detail)
	if detection-stalled > bound {
		t.Errorf("offline after %v (%v stalled), want within timeout + one interval = %v", detection, stalled, bound)
	}
}

// expectPublished receives the next broadcast and checks it is a node
// event under topic for node.
func expectPublished(t *testing.T, sub *pubsub.Subscriber, topic, node string) {
	t.Helper()
	var ev api.NodeEvent
	e := recv(t, sub)
	if err := json.Unmarshal(e.Data, &ev); err != nil || e.Endpoint != topic || ev.NodeID != node {
		t.Errorf("published %s %s (%v), want %s for %s", e.Endpoint, e.Data, err, topic, node)
	}
}

// stalledFor reads how long the control plane said it was stalled from a
// NodeOffline event's detail.
func stalledFor(t *testing.T, detail string) time.Duration {
	t.Helper()
	m := regexp.MustCompile(`not counting (\S+) the control plane was stalled`).FindStringSubmatch(detail)
	if m == nil {
		return 0
	}
	d, err := time.ParseDuration(m[1])
	if err != nil {
		t.Fatalf("detail %q: %v", detail, err)
	}
	return d
}

// A node cut off long enough to trip its breaker is reconciled as soon as
// it is back, not once the breaker's reset timeout has passed.
func TestHealedPartitionIsReconciledDespiteBreaker(t *testing.T) {
	const interval = 200 * time.Millisecond
	cfg := testConfig(interval, 5*interval)
	cfg.Messaging.RequestTimeout = config.Seconds(300 * time.Millisecond)
	cfg.Retry.MaxRetries = 0
	cfg.Breaker.FailureThreshold, cfg.Breaker.ResetTimeout = 1, config.Seconds(time.Hour)
	cp, rec := start(t, cfg, controlplane.Options{})
	w1 := newFake(t, "w1", cp, fakeOpts{interval: interval, noTasks: true})
	w2 := newFake(t, "w2", cp, fakeOpts{interval: interval, noTasks: true})
	ctx := context.Background()
	for _, id := range []string{"i0", "i1", "i2"} { // w1, w2, w1
		if _, err := cp.CreateInstance(ctx, api.CreateInstance{ID: id, Image: "nginx"}); err != nil {
			t.Fatal(err)
		}
	}
	w2.hold()
	w2.beating.Store(false)
	// w2 is least loaded: it times out, its breaker opens, w1 takes it.
	inst, err := cp.CreateInstance(ctx, api.CreateInstance{ID: "i3", Image: "nginx"})
	if err != nil || inst.Node != "w1" {
		t.Fatalf("create while w2 is cut off: %+v, %v", inst, err)
	}
	testkit.Eventually(t, wait, func() bool { return len(rec.of(controlplane.MigrationDone, onNode("w2"))) == 1 },
		"migration off w2 never done")

	w2.release()
	w2.beating.Store(true)
	testkit.Eventually(t, wait, func() bool { return len(w2.instanceIDs()) == 0 && placementAgrees(cp, w1, w2) },
		"w2 still has %v", w2.instanceIDs())
	checkPlacement(t, cp, w1, w2)
	if n := len(cp.Instances()); n != 4 {
		t.Errorf("%d instances, want 4", n)
	}
}
