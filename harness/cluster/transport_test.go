package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/fault"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/retry"
	"github.com/nngbench/nngbench/impl/transport"
	"github.com/nngbench/nngbench/impl/worker"
	"github.com/nngbench/nngbench/internal/certs"
	"github.com/nngbench/nngbench/internal/wait"
)

// Every transport brings up a cluster whose links all work: workers online
// at their command addresses (heartbeats and commands), tasks executed and
// their results read (tasks, results, journals), surveys answered;
// processes and proxies only where the transport has them.
func TestTransports(t *testing.T) {
	for _, tc := range []struct {
		transport string
		proxies   int // per worker
		processes bool
		extra     func(t *testing.T, c *cluster.Cluster)
	}{
		{cluster.TLSTCP, len(api.Links), true, testForeignCertificates},
		{cluster.IPC, 0, true, testIPCRestart},
		{cluster.Inproc, 0, false, testInprocHasNoProcess},
	} {
		t.Run(tc.transport, func(t *testing.T) {
			c, err := cluster.Start(t.Context(), cluster.Options{
				Workers: 2, Transport: tc.transport, Timing: fastTiming(), Dir: t.TempDir(), Bin: binDir,
			})
			if err != nil {
				t.Fatal(err)
			}
			var pids []int
			t.Cleanup(func() {
				for _, w := range c.Workers() {
					if p := c.Worker(w); p != nil {
						pids = append(pids, p.Pid()) // restarted ones too
					}
				}
				if err := c.Close(context.Background()); err != nil {
					t.Errorf("Close: %v", err)
				}
				assertGone(t, pids)
				if keys, _ := filepath.Glob(filepath.Join(c.Dir(), "tls", "*.key")); len(keys) != 0 {
					t.Errorf("private keys left after Close: %v", keys)
				}
			})
			if got, want := len(c.Proxies()), 2*tc.proxies; got != want || c.Transport() != tc.transport {
				t.Errorf("transport %s, %d proxies; want %s, %d", c.Transport(), got, tc.transport, want)
			}
			for _, n := range c.ControlPlane().Nodes() {
				addr := c.CommandAddress(n.ID)
				if n.Status != api.StatusOnline || n.Address != addr || !strings.HasPrefix(addr, tc.transport+"://") {
					t.Errorf("%s: %s at %s, want online at %s (a %s address)", n.ID, n.Status, n.Address, addr, tc.transport)
				}
				if p := c.Worker(n.ID); (p != nil) != tc.processes {
					t.Errorf("%s: process %v, want one: %v", n.ID, p, tc.processes)
				} else if p != nil {
					pids = append(pids, p.Pid())
				}
			}
			t.Run("tasks and journals", func(t *testing.T) { testTasks(t, c, 20) })
			t.Run("survey", func(t *testing.T) { testSurvey(t, c) })
			t.Run("extra", func(t *testing.T) { tc.extra(t, c) })
		})
	}
}

// testTasks has the control plane run n echo tasks and checks that the
// workers' journals hold each once.
func testTasks(t *testing.T, c *cluster.Cluster, n int) {
	tasks := make([]api.Task, n)
	for i := range tasks {
		tasks[i] = api.Task{ID: fmt.Sprintf("%s-%d", t.Name(), i), Kind: api.TaskEcho, Payload: "x"}
	}
	if err := c.ControlPlane().SubmitTasks(tasks); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 10*time.Second, "every task completed", func() bool {
		return c.ControlPlane().TaskStats().Completed >= uint64(n)
	})
	// A worker journals a task just after its result goes out: wait for
	// the lines of the completed tasks.
	var seen map[string]int
	wait.Until(t, 5*time.Second, "every task journaled", func() bool {
		seen = map[string]int{}
		for _, w := range c.Workers() {
			ids, err := c.Journal(w)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				seen[id]++
			}
		}
		return len(seen) >= n
	})
	for _, task := range tasks {
		if seen[task.ID] != 1 {
			t.Errorf("task %s executed %d times, want once", task.ID, seen[task.ID])
		}
	}
}

// testSurvey waits until a survey of the control plane has both answers
// (a worker dials the survey socket once registered).
func testSurvey(t *testing.T, c *cluster.Cluster) {
	wait.Until(t, 10*time.Second, "a survey answered by every worker", func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		res, _ := c.ControlPlane().Survey(ctx, api.SurveyStatus, nil)
		return res != nil && len(res.Replies) == len(c.Workers())
	})
}

// With ipc the workers are processes on socket files: a worker killed and
// restarted listens again on its socket (mangos removes the stale file)
// and comes back online.
func testIPCRestart(t *testing.T, c *cluster.Cluster) {
	sock := strings.TrimPrefix(c.CommandAddress("worker-2"), "ipc://")
	if want := filepath.Join(c.Dir(), "ipc", "worker-2.cmd"); sock != want {
		t.Errorf("worker-2's socket at %s, want %s", sock, want)
	}
	w := c.Worker("worker-2")
	if err := w.Kill(); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 10*time.Second, "worker-2 offline", func() bool { return status(c, "worker-2") == api.StatusOffline })
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("the killed worker's socket file: %v, want it left behind", err)
	}
	if err := w.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 10*time.Second, "worker-2 online", func() bool { return status(c, "worker-2") == api.StatusOnline })
	wait.Until(t, 5*time.Second, "worker-2 answers", func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err := c.Health(ctx, "worker-2")
		return err == nil
	})
}

// With inproc the workers are goroutines: no process, no ready file, but
// a log and a config like the others; faults that need a process or a
// proxy (which scenario files refuse for inproc) fail cleanly.
func testInprocHasNoProcess(t *testing.T, c *cluster.Cluster) {
	target, reg := fault.ClusterTarget(c), fault.NewRegistry()
	for _, tc := range []struct {
		f    scenario.Fault
		want error
	}{
		{scenario.Fault{Kind: scenario.FaultKill, Targets: []string{"worker-1"}}, fault.ErrNoTarget},
		{scenario.Fault{Kind: scenario.FaultLatency, Targets: []string{"worker-1"}, Link: scenario.LinkCommands,
			Direction: scenario.DirectionBoth, Toxicity: 1, Latency: time.Millisecond}, fault.ErrNoProxy},
	} {
		if undo, err := reg.Inject(t.Context(), tc.f, target); !errors.Is(err, tc.want) || undo != nil {
			t.Errorf("%s: %v, want %v", tc.f.Kind, err, tc.want)
		}
	}
	for _, w := range c.Workers() {
		if _, err := os.Stat(filepath.Join(c.Dir(), w+".ready")); !os.IsNotExist(err) {
			t.Errorf("%s.ready: %v, want none", w, err)
		}
		for _, f := range []string{w + ".log", w + ".json"} {
			if _, err := os.Stat(filepath.Join(c.Dir(), f)); err != nil {
				t.Error(err)
			}
		}
	}
}

// With tls+tcp every side checks the other's certificate against the
// cluster's CA: a worker whose certificate another CA signed is refused by
// the control plane (and counted), and the harness's own client refuses a
// server it cannot verify.
func testForeignCertificates(t *testing.T, c *cluster.Cluster) {
	foreign, err := certs.NewCA("foreign")
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(c.Dir(), "tls", "ca.crt")
	// The private keys are handed over through pipes, never written, even
	// while the cluster runs; the certificates are there for the record.
	if keys, _ := filepath.Glob(filepath.Join(c.Dir(), "tls", "*.key")); len(keys) != 0 {
		t.Errorf("keys %v on disk while the cluster runs, want none", keys)
	}
	if crts, _ := filepath.Glob(filepath.Join(c.Dir(), "tls", "*.crt")); len(crts) != 2+len(c.Workers()) {
		t.Errorf("certificates %v: want the CA's, the control plane's and each worker's", crts)
	}
	t.Run("worker refused", func(t *testing.T) {
		files, err := foreign.WriteFiles(t.TempDir(), "intruder")
		if err != nil {
			t.Fatal(err)
		}
		files.CAFile = caFile // it trusts the control plane: only its own certificate is foreign
		cfg := worker.DefaultConfig()
		cfg.NodeID = "intruder"
		addrs := c.Addresses()
		m := &cfg.Messaging
		m.BindAddress, m.ControlPlaneAddress, m.SubAddress = "tls+tcp://127.0.0.1:0", addrs["bind"], addrs["pub"]
		m.TaskAddress, m.ResultAddress, m.TLS = addrs["tasks"], addrs["results"], files
		m.HeartbeatInterval, m.ReconnectInterval = config.Seconds(100*time.Millisecond), config.Seconds(100*time.Millisecond)
		refused := func() uint64 {
			s, _ := c.ControlPlane().Metrics().Socket("controlplane")
			return s.Errors[metrics.KindTLS.String()]
		}
		before := refused()
		w, err := worker.New(cfg, worker.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if err := w.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		wait.Until(t, 10*time.Second, "the control plane refusing the intruder", func() bool { return refused() > before })
		for _, n := range c.ControlPlane().Nodes() {
			if n.ID == "intruder" {
				t.Errorf("the intruder registered: %+v", n)
			}
		}
	})
	t.Run("server unverified", func(t *testing.T) {
		mat, err := foreign.Material("stranger") // trusts the foreign CA alone
		if err != nil {
			t.Fatal(err)
		}
		cli, err := reqrep.NewClient(reqrep.ClientConfig{Name: "stranger", Timeout: 300 * time.Millisecond,
			Transport: transport.Options{DialTLS: mat.Client()}, Retry: retry.Policy{MaxRetries: retry.Disabled}})
		if err != nil {
			t.Fatal(err)
		}
		defer cli.Close()
		if err := cli.AddPeer("worker-1", c.CommandAddress("worker-1")); err != nil {
			t.Fatal(err)
		}
		if _, err := cli.Call(t.Context(), "worker-1", api.Health, nil); err == nil {
			t.Error("a client of another CA got an answer from worker-1")
		}
		if _, err := c.Health(t.Context(), "worker-1"); err != nil {
			t.Errorf("the harness's own client: %v", err)
		}
	})
}

// The control plane as a process works over every transport that has
// processes: the workers register with it, and the harness reads it
// through its admin socket (with the harness's certificate, for tls+tcp).
func TestSeparateControlPlaneTransports(t *testing.T) {
	for _, tr := range []string{cluster.TLSTCP, cluster.IPC} {
		t.Run(tr, func(t *testing.T) {
			c, err := cluster.Start(t.Context(), cluster.Options{Workers: 1, Transport: tr, Timing: fastTiming(),
				Dir: t.TempDir(), Bin: binDir, ControlPlane: cluster.Separate})
			if err != nil {
				t.Fatal(err)
			}
			pid := c.Worker("worker-1").Pid()
			nodes, err := c.Nodes(t.Context())
			if err != nil || len(nodes) != 1 || nodes[0].Status != api.StatusOnline || nodes[0].Address != c.CommandAddress("worker-1") {
				t.Errorf("nodes %+v, %v: want worker-1 online at %s", nodes, err, c.CommandAddress("worker-1"))
			}
			if _, err := c.Config(t.Context()); err != nil {
				t.Error(err)
			}
			if err := c.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			assertGone(t, []int{pid})
		})
	}
}
