package controlplane_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/pubsub"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait on something asynchronous.
const wait = 15 * time.Second

// testConfig binds everything on loopback port 0, with the heartbeat
// timing given.
func testConfig(interval, timeout time.Duration) controlplane.Config {
	c := controlplane.Default()
	m := &c.Messaging
	m.BindAddress, m.PubAddress, m.TaskAddress = "tcp://127.0.0.1:0", "tcp://127.0.0.1:0", "tcp://127.0.0.1:0"
	m.ResultAddress, m.AdminAddress = "tcp://127.0.0.1:0", "tcp://127.0.0.1:0"
	m.HeartbeatInterval, m.HeartbeatTimeout = config.Seconds(interval), config.Seconds(timeout)
	m.RequestTimeout = config.Seconds(2 * time.Second)
	c.MetricsAddress = "127.0.0.1:0"
	return c
}

// tlog sends logs to the test's log, shown with -v or on failure.
type tlog struct{ t *testing.T }

func (w tlog) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

// recorder keeps the events a control plane emits.
type recorder struct {
	mu     sync.Mutex
	events []controlplane.Event
}

func (r *recorder) on(e controlplane.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// of returns the events of kind that match, in order.
func (r *recorder) of(kind controlplane.EventKind, match func(controlplane.Event) bool) []controlplane.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []controlplane.Event
	for _, e := range r.events {
		if e.Kind == kind && (match == nil || match(e)) {
			out = append(out, e)
		}
	}
	return out
}

func onNode(node string) func(controlplane.Event) bool {
	return func(e controlplane.Event) bool { return e.Node == node }
}

// start starts a control plane and closes it when the test ends.
func start(t *testing.T, cfg controlplane.Config, opts controlplane.Options) (*controlplane.ControlPlane, *recorder) {
	t.Helper()
	rec := &recorder{}
	if opts.OnEvent == nil {
		opts.OnEvent = rec.on
	}
	if opts.Logger == nil && testing.Verbose() {
		opts.Logger = logging.New(tlog{t}, slog.LevelDebug)
	}
	cp, err := controlplane.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cp.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if err := cp.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cp, rec
}

func socket(cp *controlplane.ControlPlane, name string) metrics.SocketStats {
	st, _ := cp.Metrics().Socket(name)
	return st
}

// subscribe returns a subscriber to the control plane's broadcasts under
// prefix, connected when returned.
func subscribe(t *testing.T, cp *controlplane.ControlPlane, prefix string) *pubsub.Subscriber {
	t.Helper()
	before := socket(cp, "controlplane/pub").Connections
	s, err := pubsub.NewSubscriber(pubsub.SubscriberConfig{Name: "observer"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Subscribe(prefix); err != nil {
		t.Fatal(err)
	}
	if err := s.Dial(cp.Addresses()["pub"]); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, wait, func() bool { return socket(cp, "controlplane/pub").Connections > before },
		"the subscriber never connected")
	return s
}

func recv(t *testing.T, s *pubsub.Subscriber) *envelope.Envelope {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	e, err := s.Recv(ctx)
	if err != nil {
		t.Fatalf("recv: %v", err)
	}
	return e
}

func nodeByID(cp *controlplane.ControlPlane, id string) api.Node {
	for _, n := range cp.Nodes() {
		if n.ID == id {
			return n
		}
	}
	return api.Node{}
}

// checkPlacement fails unless every instance of the registry lives on
// exactly one fake, the one the registry places it on, and no fake has an
// instance the registry does not place on it.
func checkPlacement(t *testing.T, cp *controlplane.ControlPlane, fakes ...*fakeWorker) {
	t.Helper()
	holders := map[string][]string{}
	for _, f := range fakes {
		for _, id := range f.instanceIDs() {
			holders[id] = append(holders[id], f.id)
		}
		if got, want := f.instanceIDs(), nodeByID(cp, f.id).Instances; !sameIDs(got, want) {
			t.Errorf("%s has %v, the registry places %v on it", f.id, got, want)
		}
	}
	for _, inst := range cp.Instances() {
		if h := holders[inst.ID]; len(h) != 1 || h[0] != inst.Node {
			t.Errorf("instance %s: placed on %s, held by %v", inst.ID, inst.Node, h)
		}
		delete(holders, inst.ID)
	}
	for id, h := range holders {
		t.Errorf("instance %s held by %v is not in the registry", id, h)
	}
}

// placementAgrees is checkPlacement as a condition, for waiting.
func placementAgrees(cp *controlplane.ControlPlane, fakes ...*fakeWorker) bool {
	insts := cp.Instances()
	held := 0
	for _, f := range fakes {
		ids := f.instanceIDs()
		held += len(ids)
		if !sameIDs(ids, nodeByID(cp, f.id).Instances) {
			return false
		}
	}
	return held == len(insts)
}

// sameIDs compares sorted id lists, nil and empty alike.
func sameIDs(a, b []string) bool { return len(a) == len(b) && (len(a) == 0 || slices.Equal(a, b)) }
