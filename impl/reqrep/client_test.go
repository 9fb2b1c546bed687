package reqrep_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/breaker"
	"github.com/nngbench/nngbench/impl/clock"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/retry"
	"github.com/nngbench/nngbench/impl/transport"
)

func newClient(t *testing.T, cfg reqrep.ClientConfig, peers map[string][]string) *reqrep.Client {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "controlplane"
	}
	c, err := reqrep.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	for name, addrs := range peers {
		if err := c.AddPeer(name, addrs...); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// gate blocks a handler until released, so a test decides when a peer answers.
type gate struct {
	once    sync.Once
	release chan struct{}
}

func newGate() *gate { return &gate{release: make(chan struct{})} }

func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

func (g *gate) wait(ctx context.Context) error {
	select {
	case <-g.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Timed-out attempts are retried with the same request id, and the retries
// are counted.
func TestRetryAfterTimeout(t *testing.T) {
	srv, addr := newServer(t, reqrep.ServerConfig{})
	var seen sync.Map
	var calls atomic.Int32
	stuck := newGate()
	t.Cleanup(stuck.open)
	srv.Handle("/flaky", func(ctx context.Context, r *envelope.Envelope) (json.RawMessage, error) {
		n, _ := seen.LoadOrStore(r.ID, new(atomic.Int32))
		if calls.Add(1); n.(*atomic.Int32).Add(1) <= 2 {
			return nil, stuck.wait(ctx) // the first two attempts never answer in time
		}
		return json.RawMessage(`"third time"`), nil
	})
	c := newClient(t, reqrep.ClientConfig{
		Timeout: 100 * time.Millisecond,
		Retry:   retry.Policy{MaxRetries: 3, BaseDelay: time.Millisecond, Jitter: retry.NoJitter},
	}, map[string][]string{"worker-1": {addr}})
	resp, err := c.Call(context.Background(), "worker-1", "/flaky", nil)
	if err != nil || string(resp.Data) != `"third time"` {
		t.Fatalf("got %+v, %v", resp, err)
	}
	st := c.Stats()[0]
	if st.Retries != 2 || st.Errors["timeout"] != 2 || calls.Load() != 3 {
		t.Fatalf("retries=%d timeouts=%d handler calls=%d, want 2, 2, 3", st.Retries, st.Errors["timeout"], calls.Load())
	}
	if b := c.Breaker("worker-1"); b.State() != breaker.Closed {
		t.Fatalf("breaker %v after a success", b.State())
	}
}

func TestRetriesExhausted(t *testing.T) {
	srv, addr := newServer(t, reqrep.ServerConfig{})
	stuck := newGate()
	t.Cleanup(stuck.open)
	srv.Handle("/stuck", func(ctx context.Context, _ *envelope.Envelope) (json.RawMessage, error) {
		return nil, stuck.wait(ctx)
	})
	c := newClient(t, reqrep.ClientConfig{
		Timeout: 30 * time.Millisecond,
		Retry:   retry.Policy{MaxRetries: 2, BaseDelay: time.Millisecond},
		Breaker: breaker.Config{FailureThreshold: 10},
	}, map[string][]string{"worker-1": {addr}})
	_, err := c.Call(context.Background(), "worker-1", "/stuck", nil)
	if !errors.Is(err, reqrep.ErrTimeout) || !errors.Is(err, retry.ErrExhausted) {
		t.Fatalf("got %v", err)
	}
	if st := c.Stats()[0]; st.Retries != 2 || st.Errors["timeout"] != 3 {
		t.Fatalf("retries=%d timeouts=%d", st.Retries, st.Errors["timeout"])
	}
}

// Error replies are not retried: the peer answered.
func TestRemoteErrorNotRetried(t *testing.T) {
	_, addr := newServer(t, reqrep.ServerConfig{})
	c := newClient(t, reqrep.ClientConfig{}, map[string][]string{"worker-1": {addr}})
	resp, err := c.Call(context.Background(), "worker-1", "/fail", nil)
	var re *reqrep.RemoteError
	if !errors.As(err, &re) || !errors.Is(err, reqrep.ErrRemote) || re.Msg != "disk full" || resp == nil {
		t.Fatalf("got %+v, %v", resp, err)
	}
	if st := c.Stats()[0]; st.Retries != 0 || st.Errors["remote"] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// The breaker opens after the threshold of timeouts, refuses at once with a
// typed error while open, and closes again after a successful probe.
func TestBreakerOpensAndRecovers(t *testing.T) {
	srv, addr := newServer(t, reqrep.ServerConfig{})
	healthy := atomic.Bool{}
	stuck := newGate()
	t.Cleanup(stuck.open)
	srv.Handle("/health", func(ctx context.Context, _ *envelope.Envelope) (json.RawMessage, error) {
		if healthy.Load() {
			return json.RawMessage(`"ok"`), nil
		}
		return nil, stuck.wait(ctx)
	})
	clk := clock.NewFake(time.Date(2026, 3, 19, 10, 30, 0, 0, time.UTC))
	c := newClient(t, reqrep.ClientConfig{
		Timeout: 20 * time.Millisecond, Clock: clk,
		Retry:   retry.Policy{MaxRetries: retry.Disabled},
		Breaker: breaker.Config{FailureThreshold: 3, ResetTimeout: time.Minute},
	}, map[string][]string{"worker-1": {addr}})
	ctx := context.Background()
	for i := range 3 {
		if _, err := c.Call(ctx, "worker-1", "/health", nil); !errors.Is(err, reqrep.ErrTimeout) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	start := time.Now()
	_, err := c.Call(ctx, "worker-1", "/health", nil)
	var open *breaker.OpenError
	if !errors.As(err, &open) || !errors.Is(err, breaker.ErrOpen) || open.Name != "worker-1" {
		t.Fatalf("4th call: %v", err)
	}
	if time.Since(start) > 10*time.Millisecond*10 {
		t.Fatalf("an open breaker should refuse at once, took %v", time.Since(start))
	}
	if st := c.Stats()[0]; st.Errors["breaker_open"] != 1 || st.Sent != 3 {
		t.Fatalf("stats %+v", st)
	}
	healthy.Store(true)
	clk.Advance(time.Minute)
	if _, err := c.Call(ctx, "worker-1", "/health", nil); err != nil {
		t.Fatalf("probe after reset timeout: %v", err)
	}
	if b := c.Breaker("worker-1"); b.State() != breaker.Closed || b.Trips() != 1 {
		t.Fatalf("breaker %v trips %d", b.State(), b.Trips())
	}
}

func TestCancelReturnsPromptly(t *testing.T) {
	srv, addr := newServer(t, reqrep.ServerConfig{})
	entered, stuck := make(chan struct{}, 1), newGate()
	t.Cleanup(stuck.open)
	srv.Handle("/slow", func(ctx context.Context, _ *envelope.Envelope) (json.RawMessage, error) {
		entered <- struct{}{}
		return nil, stuck.wait(ctx)
	})
	c := newClient(t, reqrep.ClientConfig{Timeout: time.Minute}, map[string][]string{"worker-1": {addr}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Call(ctx, "worker-1", "/slow", nil)
		done <- err
	}()
	<-entered
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancel did not interrupt the call")
	}
	// The client is still usable, and the cancelled call did not count
	// against the peer.
	if _, err := c.Call(context.Background(), "worker-1", "/echo", json.RawMessage(`1`)); err != nil {
		t.Fatal(err)
	}
	if b := c.Breaker("worker-1"); b.State() != breaker.Closed {
		t.Fatalf("breaker %v", b.State())
	}
}

func TestDeadlineBoundsAttempt(t *testing.T) {
	srv, addr := newServer(t, reqrep.ServerConfig{})
	stuck := newGate()
	t.Cleanup(stuck.open)
	srv.Handle("/slow", func(ctx context.Context, _ *envelope.Envelope) (json.RawMessage, error) {
		return nil, stuck.wait(ctx)
	})
	c := newClient(t, reqrep.ClientConfig{Timeout: time.Minute}, map[string][]string{"worker-1": {addr}})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Call(ctx, "worker-1", "/slow", nil)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("got %v after %v", err, time.Since(start))
	}
}

// Calls naming no peer go round robin over the peers; a peer can be one
// socket dialing several servers, which keeps answering while one of them is
// gone.
func TestManyPeers(t *testing.T) {
	servers := map[string]*reqrep.Server{}
	var addrs []string
	for _, name := range []string{"a", "b", "c"} {
		srv, addr := newServer(t, reqrep.ServerConfig{Name: name})
		servers[name] = srv
		addrs = append(addrs, addr)
	}
	c := newClient(t, reqrep.ClientConfig{}, map[string][]string{"a": {addrs[0]}, "pool": {addrs[1], addrs[2]}})
	testkit.Eventually(t, 5*time.Second, func() bool {
		for _, st := range c.Stats() {
			if (strings.HasSuffix(st.Name, "pool") && st.Connections != 2) || st.Connections == 0 {
				return false
			}
		}
		return true
	}, "peers not connected")
	senders := map[string]int{}
	call := func(peer string) {
		t.Helper()
		resp, err := c.Call(context.Background(), peer, "/echo", nil)
		if err != nil {
			t.Fatal(err)
		}
		senders[resp.Sender]++
	}
	for range 60 {
		call("")
	}
	if senders["a"] != 30 || senders["b"]+senders["c"] != 30 {
		t.Fatalf("answers by server: %v", senders)
	}
	// Take away whichever pool member answered; the other carries on.
	gone, other := "b", "c"
	if senders["b"] == 0 {
		gone, other = "c", "b"
	}
	servers[gone].Close()
	clear(senders)
	for range 10 {
		call("pool")
	}
	if senders[other] != 10 {
		t.Fatalf("after closing %s: %v", gone, senders)
	}
	if _, err := c.Call(context.Background(), "nobody", "/echo", nil); !errors.Is(err, reqrep.ErrNoPeer) {
		t.Fatalf("unknown peer: %v", err)
	}
}

func TestClientAfterClose(t *testing.T) {
	_, addr := newServer(t, reqrep.ServerConfig{})
	c := newClient(t, reqrep.ClientConfig{}, map[string][]string{"w": {addr}})
	c.Close()
	if _, err := c.Call(context.Background(), "w", "/echo", nil); !errors.Is(err, reqrep.ErrClosed) {
		t.Fatalf("got %v", err)
	}
}

// freeAddr returns an address with nothing listening on it that nothing
// else can take: an ipc socket in the test's folder (a tcp port picked free
// and bound later can be taken meanwhile by tests running in parallel).
func freeAddr(t *testing.T) string {
	t.Helper()
	return "ipc://" + filepath.Join(t.TempDir(), "free.sock")
}

// A request made before its server exists waits for the connection and is
// answered once the server appears, within the attempt's timeout.
func TestRequestBeforeServerStarts(t *testing.T) {
	addr := freeAddr(t)
	c := newClient(t, reqrep.ClientConfig{
		Timeout:   10 * time.Second,
		Transport: transport.Options{ReconnectTime: 5 * time.Millisecond, MaxReconnectTime: 20 * time.Millisecond},
	}, map[string][]string{"late": {addr}})
	done := make(chan error, 1)
	go func() {
		_, err := c.Call(context.Background(), "late", "/echo", json.RawMessage(`1`))
		done <- err
	}()
	testkit.Eventually(t, 5*time.Second, func() bool { return c.Stats()[0].Sent == 1 }, "request not queued")
	srv, err := reqrep.NewServer(reqrep.ServerConfig{Name: "late"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.Handle("/echo", func(_ context.Context, r *envelope.Envelope) (json.RawMessage, error) { return r.Data, nil })
	if _, err := srv.Listen(addr); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("request never answered")
	}
}

// With nobody at the address, an attempt ends at its timeout.
func TestUnreachablePeerTimesOut(t *testing.T) {
	c := newClient(t, reqrep.ClientConfig{Timeout: 50 * time.Millisecond, Retry: retry.Policy{MaxRetries: retry.Disabled}},
		map[string][]string{"ghost": {freeAddr(t)}})
	start := time.Now()
	_, err := c.Call(context.Background(), "ghost", "/health", nil)
	if !errors.Is(err, reqrep.ErrTimeout) {
		t.Fatalf("got %v", err)
	}
	if took := time.Since(start); took < 50*time.Millisecond || took > 5*time.Second {
		t.Fatalf("took %v", took)
	}
	if n := c.Breaker("ghost").Trips(); n != 0 {
		t.Fatalf("one failure tripped the breaker (%d)", n)
	}
}
