package reqrep_test

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/transport"
	"github.com/nngbench/nngbench/internal/wait"
)

// TestUnreadFloodStallsNobody: one connection sends 30,000 /health requests
// and reads none of the replies; another client's /health is answered
// throughout, and the replies the flooder did not read are dropped and
// counted for it alone. Before issue 12 the serving contexts blocked on
// the flooder's full connection one after the other until nobody was served.
func TestUnreadFloodStallsNobody(t *testing.T) {
	const requests = 30000
	reg := metrics.NewRegistry()
	srv, err := reqrep.NewServer(reqrep.ServerConfig{Name: "worker-1", Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	health := json.RawMessage(`{"node_id":"worker-1","status":"healthy","instances":0,"uptime_s":12.5,` +
		`"cpu_percent":3.25,"memory_percent":41.5,"disk_percent":63.0,"config_version":7}`)
	srv.Handle("/health", func(context.Context, *envelope.Envelope) (json.RawMessage, error) { return health, nil })
	addr, err := srv.Listen("tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	cli, err := reqrep.NewClient(reqrep.ClientConfig{Name: "probe", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if err := cli.AddPeer("w", addr); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Call(context.Background(), "w", "/health", nil); err != nil {
		t.Fatalf("before the flood: %v", err)
	}

	f := testkit.Flood(t, addr, "/health", requests)
	flooder := f.Local
	var (
		worst time.Duration
		calls int
	)
	// Probe until the flood is over: the server has read every request of
	// it, or disconnected the flooder (SendTimeout); at most 20 s.
	over := func() bool {
		if srv.Stats().Received >= uint64(requests) {
			return true
		}
		st, _ := reg.Snapshot().Socket("worker-1")
		for _, p := range st.Peers {
			if p.Address == flooder {
				return !p.Live
			}
		}
		return false
	}
	deadline := time.Now().Add(20 * time.Second)
	for !over() && time.Now().Before(deadline) {
		start := time.Now()
		_, err := cli.Call(context.Background(), "w", "/health", nil)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("/health during the flood, after %d calls: %v (took %v)", calls, err, took)
		}
		worst, calls = max(worst, took), calls+1
		time.Sleep(5 * time.Millisecond) // a probe every 5 ms, not a wait for a condition
	}
	if !over() {
		t.Fatalf("the flood is not over within 20 s: %d of %d requests read", srv.Stats().Received, requests)
	}
	t.Logf("%d probes during the flood, slowest %v; %d requests written, %d read",
		calls, worst, f.Written(), srv.Stats().Received)
	// Before issue 12 no probe was answered at all once the flood began.
	// The 100 ms the issue asks is held by impl/e2e's test of the same name,
	// on real processes: here client, server and flood share one process
	// and two cores (tenfold slower under the race detector), so scheduling
	// delay on a loaded machine enters every probe, and the bound is 1 s.
	if worst > time.Second {
		t.Errorf("slowest /health during the flood took %v, want < 1s (race detector: %v)", worst, raceOn)
	}

	st, _ := reg.Snapshot().Socket("worker-1")
	var lost, dropped uint64
	for _, p := range st.Peers {
		switch {
		case p.Address == flooder:
			// Dropped replies, or a disconnection (a stalled send; on a
			// loaded machine loopback tcp itself may stall the flood's own
			// frames past the frame deadline), each counted for it.
			lost, dropped = p.Dropped+p.Stalled+p.FramesCut, p.Dropped
		case p.Dropped != 0:
			t.Errorf("peer %s lost %d replies; only the flooder should", p.Address, p.Dropped)
		}
	}
	if lost == 0 {
		t.Errorf("no reply counted as dropped for the flooder %s: peers %+v", flooder, st.Peers)
	}
	if st.Dropped < dropped { // the socket's count is of drops; stalls and cut frames are counted apart
		t.Errorf("socket dropped %d < the flooder's %d", st.Dropped, dropped)
	}
	t.Logf("flooder %s: %d replies dropped", flooder, lost)
}

// TestStalledPeerDisconnected: a peer that reads nothing is disconnected
// once a send to it has made no progress for SendTimeout, and counted.
func TestStalledPeerDisconnected(t *testing.T) {
	reg := metrics.NewRegistry()
	srv, err := reqrep.NewServer(reqrep.ServerConfig{
		Name: "worker-1", Metrics: reg,
		Transport: transport.Options{SendTimeout: 300 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	big := json.RawMessage(`"` + strings.Repeat("x", 64<<10) + `"`)
	srv.Handle("/big", func(context.Context, *envelope.Envelope) (json.RawMessage, error) { return big, nil })
	addr, err := srv.Listen("tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	flooder := testkit.Flood(t, addr, "/big", 200).Local
	gone := func() bool {
		st, _ := reg.Snapshot().Socket("worker-1")
		for _, p := range st.Peers {
			if p.Address == flooder {
				return p.Stalled > 0 && !p.Live && st.Errors["stalled"] > 0
			}
		}
		return false
	}
	wait.Until(t, 10*time.Second, "the peer that reads nothing disconnected and counted", gone)
}

// TestDialedStuckPeerBounded: over a connection the server dialed (mangos'
// own pipe, which blocks on a peer that does not read), a reply waits at
// most SendTimeout and is then dropped and counted, so the server never
// stalls for good: another client is still answered.
func TestDialedStuckPeerBounded(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	reg := metrics.NewRegistry()
	srv, err := reqrep.NewServer(reqrep.ServerConfig{Name: "worker-1", Metrics: reg, SendTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	big := json.RawMessage(`"` + strings.Repeat("x", 16<<10) + `"`)
	srv.Handle("/big", func(context.Context, *envelope.Envelope) (json.RawMessage, error) { return big, nil })
	srv.Handle("/health", func(context.Context, *envelope.Envelope) (json.RawMessage, error) {
		return json.RawMessage(`"ok"`), nil
	})
	addr, err := srv.Listen("tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Dial("tcp://" + l.Addr().String()); err != nil {
		t.Fatal(err)
	}
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stuck := testkit.FloodConn(t, c, "/big", 2000)
	select {
	case <-stuck.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("the server stopped reading the stuck peer's requests after %d", stuck.Written())
	}

	cli, err := reqrep.NewClient(reqrep.ClientConfig{Name: "probe", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if err := cli.AddPeer("w", addr); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 10*time.Second, "replies to the stuck peer dropped and counted", func() bool {
		return srv.Stats().Dropped > 0
	})
	for i := range 5 {
		if _, err := cli.Call(context.Background(), "w", "/health", nil); err != nil {
			t.Fatalf("call %d while the dialed peer is stuck: %v", i, err)
		}
	}
}
