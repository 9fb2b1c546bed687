package cluster_test

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/internal/wait"
)

// TestStartManyWorkers starts 48 workers in parallel and checks what a
// large cluster depends on: every worker online, every proxy on a port of
// its own below the kernel's ephemeral range, the start timed, memory and
// the control plane's CPU read from /proc, and heartbeats watched through
// the control plane's node list.
func TestStartManyWorkers(t *testing.T) {
	const n = 48
	c, err := cluster.Start(t.Context(), cluster.Options{
		Workers: n, Timing: cluster.Timing{HeartbeatInterval: 200 * time.Millisecond, HeartbeatTimeout: 5 * time.Second},
		Dir: t.TempDir(), Bin: binDir, ControlPlane: cluster.Separate, StartParallel: 8,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if got := len(c.Workers()); got != n {
		t.Fatalf("%d workers, want %d", got, n)
	}
	for i, w := range c.Workers() {
		if want := "worker-" + strconv.Itoa(i+1); w != want {
			t.Fatalf("worker %d is %s, want %s: names keep their order", i, w, want)
		}
	}
	lo := ephemeralLow(t)
	ports := map[string]string{}
	for _, p := range c.Proxies() {
		_, port, err := net.SplitHostPort(p.Listen)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := strconv.Atoi(port); v >= lo {
			t.Errorf("proxy %s listens on %s, inside the ephemeral range from %d", p.Name, p.Listen, lo)
		}
		if other, ok := ports[port]; ok {
			t.Errorf("proxies %s and %s share port %s", other, p.Name, port)
		}
		ports[port] = p.Name
	}
	if got, want := len(ports), n*len(api.Links); got != want {
		t.Errorf("%d proxy ports, want %d", got, want)
	}
	st := c.StartTimes()
	if st.Ready <= 0 || st.Online < st.Ready {
		t.Errorf("start times %+v: want 0 < ready <= online", st)
	}
	mem, err := c.Memory()
	if err != nil {
		t.Fatal(err)
	}
	if mem.Workers != n || mem.MeanRSS <= 0 || mem.MaxRSS < mem.MeanRSS || !mem.ControlPlaneSeen {
		t.Errorf("memory %+v: want %d workers read, 0 < mean <= max, the control plane's read", mem, n)
	}
	cpu0, ok := c.ControlPlaneCPU()
	if !ok {
		t.Fatal("no CPU time for a control plane process")
	}
	w := c.WatchBeats(t.Context(), 200*time.Millisecond, 20*time.Millisecond)
	wait.Until(t, 20*time.Second, "three beats a worker", func() bool { return w.Peek().Handled >= 3*n })
	beats := w.Stop()
	if cpu, _ := c.ControlPlaneCPU(); cpu <= 0 || cpu < cpu0 {
		t.Errorf("control plane CPU %v after %v: want it positive and not falling", cpu, cpu0)
	}
	// Punctuality is the machine's (a loaded one misses 200 ms beats);
	// what the watch must get right is seeing every node and its beats.
	if beats.Workers != n || beats.Offline != 0 || beats.Errors != 0 {
		t.Errorf("beats %+v: want %d workers, none offline, no errors", beats, n)
	}
	if beats.MaxGap < 150*time.Millisecond {
		t.Errorf("max gap %v: shorter than a heartbeat interval of 200ms would allow", beats.MaxGap)
	}
}

func ephemeralLow(t *testing.T) int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		t.Skip("no ip_local_port_range")
	}
	v, err := strconv.Atoi(strings.Fields(string(b))[0])
	if err != nil {
		t.Fatal(err)
	}
	return v
}
