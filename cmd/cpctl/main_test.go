package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/internal/certs"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const wait = 15 * time.Second

// cpctl runs the command in process and returns its exit code and output.
func cpctl(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "no command"},
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"-verbose", "nodes"}, "flag provided but not defined"},
		{[]string{"nodes", "extra"}, "usage: nodes"},
		{[]string{"debug"}, "usage: debug sockets"},
		{[]string{"create"}, "usage: create IMAGE"},
		{[]string{"create", "nginx", "port"}, `"port": want key=value`},
		{[]string{"delete"}, "usage: delete ID"},
		{[]string{"config", "set"}, "usage: config set"},
		{[]string{"config", "set", "=1"}, `"=1": want key=value`},
		{[]string{"tasks", "submit"}, "N must be a whole number"},
		{[]string{"tasks", "submit", "ten"}, "N must be a whole number"},
		{[]string{"tasks", "submit", "5", "-kind", "paint"}, "-kind must be echo, sleep or hash"},
		{[]string{"tasks", "submit", "5", "6"}, "one N"},
		{[]string{"-timeout", "0s", "nodes"}, "-timeout must be > 0"},
		{[]string{"-admin", "udp://127.0.0.1:1", "nodes"}, "-admin: transport: unsupported address scheme"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := cpctl(tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, stderr, tc.want)
			}
		})
	}
}

func TestNoControlPlane(t *testing.T) {
	code, _, stderr := cpctl("-admin", "tcp://127.0.0.1:1", "-timeout", "200ms", "nodes")
	if code != exitFailure || !strings.Contains(stderr, "no answer from the control plane at tcp://127.0.0.1:1") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

// worker is the least a worker does for these tests: register, and create
// and delete instances in memory.
func worker(t *testing.T, cp *controlplane.ControlPlane) {
	t.Helper()
	srv, err := reqrep.NewServer(reqrep.ServerConfig{Name: "w1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The control plane goes first (Close is idempotent): mangos v3.4.2
		// races (-race) when a listener closes during a handshake, which a
		// control plane redialling a closing worker could start.
		cp.Close()
		srv.Close()
	})
	var mu sync.Mutex
	insts := map[string]api.Instance{}
	srv.Handle(api.InstancesCreate, func(_ context.Context, req *envelope.Envelope) (json.RawMessage, error) {
		var c api.CreateInstance
		if err := req.Bind(&c); err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		insts[c.ID] = api.Instance{ID: c.ID, Image: c.Image, State: "running", Node: "w1", CreatedAt: time.Now()}
		return envelope.DataOf(insts[c.ID])
	})
	srv.Handle(api.InstancesDelete, func(_ context.Context, req *envelope.Envelope) (json.RawMessage, error) {
		var d api.DeleteInstance
		if err := req.Bind(&d); err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		_, ok := insts[d.ID]
		delete(insts, d.ID)
		return envelope.DataOf(api.DeleteResult{ID: d.ID, Deleted: ok})
	})
	addr, err := srv.Listen("tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := reqrep.NewClient(reqrep.ClientConfig{Name: "w1", Timeout: wait})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.AddPeer("cp", cp.Addresses()["bind"]); err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(api.Register{NodeID: "w1", Address: addr, Resources: api.Resources{CPUPercent: 12.5, MemoryPercent: 40}})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, err := c.Call(ctx, "cp", api.NodesRegister, data); err != nil {
		t.Fatal(err)
	}
}

func startControlPlane(t *testing.T) *controlplane.ControlPlane {
	t.Helper()
	return startControlPlaneWith(t, func(*controlplane.Config) {})
}

// startControlPlaneWith starts a control plane on loopback port 0, its
// config changed by edit first.
func startControlPlaneWith(t *testing.T, edit func(*controlplane.Config)) *controlplane.ControlPlane {
	t.Helper()
	cfg := controlplane.Default()
	m := &cfg.Messaging
	m.BindAddress, m.PubAddress, m.TaskAddress = "tcp://127.0.0.1:0", "tcp://127.0.0.1:0", "tcp://127.0.0.1:0"
	m.ResultAddress, m.AdminAddress = "tcp://127.0.0.1:0", "tcp://127.0.0.1:0"
	cfg.MetricsAddress = "127.0.0.1:0"
	edit(&cfg)
	cp, err := controlplane.New(cfg, controlplane.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cp.Close() })
	if err := cp.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cp
}

// rows splits a table into its lines' fields; the first is the header.
func rows(out string) [][]string {
	var r [][]string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		r = append(r, strings.Fields(line))
	}
	return r
}

// flatten collapses the columns' padding to single spaces.
func flatten(out string) string {
	var b strings.Builder
	for _, f := range rows(out) {
		b.WriteString(strings.Join(f, " ") + "\n")
	}
	return b.String()
}

func TestCommands(t *testing.T) {
	cp := startControlPlane(t)
	worker(t, cp)
	admin := []string{"-admin", cp.Addresses()["admin"], "-timeout", wait.String()}
	ctl := func(args ...string) (int, string, string) { return cpctl(append(admin, args...)...) }

	code, out, stderr := ctl("create", "nginx", "port=80")
	r := rows(out)
	if code != 0 || len(r) != 2 || strings.Join(r[0], " ") != "ID IMAGE NODE STATE CREATED" ||
		r[1][1] != "nginx" || r[1][2] != "w1" || r[1][3] != "running" {
		t.Fatalf("create: exit %d\n%s%s", code, out, stderr)
	}
	id := r[1][0]
	if inst := cp.Instances(); len(inst) != 1 || inst[0].Config["port"] != "80" {
		t.Errorf("instances %+v", inst)
	}

	for _, tc := range []struct {
		args   []string
		header string
		row    func([]string) bool // some row must match
	}{
		{[]string{"nodes"}, "NODE STATUS LAST-SEEN INSTANCES CPU% MEM%", func(f []string) bool {
			return f[0] == "w1" && f[1] == "online" && f[len(f)-3] == "1" && f[len(f)-2] == "12.5" && f[len(f)-1] == "40.0"
		}},
		{[]string{"instances"}, "ID IMAGE NODE STATE CREATED", func(f []string) bool {
			return f[0] == id && f[1] == "nginx" && f[2] == "w1"
		}},
		{[]string{"debug", "sockets"}, "SOCKET PROTOCOL ADDRESSES CONNS MSGS-IN MSGS-OUT ERRORS", func(f []string) bool {
			// This run is connected; earlier ones may not be gone yet.
			return f[0] == "controlplane/admin" && f[1] == "rep" && f[2] == cp.Addresses()["admin"] && f[3] != "0"
		}},
		{[]string{"debug", "sockets"}, "SOCKET PROTOCOL ADDRESSES CONNS MSGS-IN MSGS-OUT ERRORS", func(f []string) bool {
			return f[0] == "controlplane->w1" && f[1] == "req" && f[5] == "1" // the create
		}},
		{[]string{"config", "set", "a=1", "b=two"}, "KEY VALUE", func(f []string) bool { return f[0] == "b" && f[1] == "two" }},
		{[]string{"config", "get"}, "KEY VALUE", func(f []string) bool { return f[0] == "a" && f[1] == "1" }},
		{[]string{"tasks", "submit", "-kind", "hash", "25", "-size", "10"}, "submitted 25 hash tasks", nil},
		{[]string{"tasks", "status"}, "ACCEPTED COMPLETED PENDING DISPATCHES REDELIVERED DUPLICATES", func(f []string) bool {
			return f[0] == "25" && f[2] == "25"
		}},
		{[]string{"delete", id}, "deleted " + id, nil},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, stderr := ctl(tc.args...)
			flat := flatten(out)
			if code != 0 || !strings.Contains(flat, tc.header) {
				t.Fatalf("exit %d, want a table under %q:\n%s%s", code, tc.header, out, stderr)
			}
			r := rows(flat[strings.Index(flat, tc.header):])
			if tc.row == nil {
				return
			}
			for _, f := range r[1:] {
				if len(f) > 0 && tc.row(f) {
					return
				}
			}
			t.Errorf("no expected row in:\n%s", out)
		})
	}
	if code, _, stderr := ctl("delete", id); code != exitFailure || !strings.Contains(stderr, "no such instance") {
		t.Errorf("delete again: exit %d, %s", code, stderr)
	}
	if code, out, _ := ctl("config", "get"); code != 0 || !strings.HasPrefix(out, "version 1\n") {
		t.Errorf("config get: exit %d, %s", code, out)
	}
}

// TestFlagsAfterCommand: cpctl's own flags may follow the command, and a
// command's own flags stay the command's.
func TestFlagsAfterCommand(t *testing.T) {
	cp := startControlPlane(t)
	worker(t, cp)
	admin := cp.Addresses()["admin"]
	if code, out, stderr := cpctl("nodes", "-admin", admin, "-timeout="+wait.String()); code != 0 || !strings.Contains(out, "w1") {
		t.Fatalf("nodes -admin after the command: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr := cpctl("tasks", "submit", "3", "-admin", admin, "-kind", "hash")
	if code != 0 || !strings.Contains(out, "submitted 3 hash tasks") {
		t.Fatalf("tasks submit with -admin among its flags: exit %d\n%s%s", code, out, stderr)
	}
}

// TestNoControlPlaneFailsFast: with nothing listening, cpctl says so at
// once rather than after its timeout.
func TestNoControlPlaneFailsFast(t *testing.T) {
	start := time.Now()
	code, _, stderr := cpctl("-admin", "tcp://127.0.0.1:1", "-timeout", "1m", "nodes") // port 1: tcpmux, never served here
	if code != exitFailure || !strings.Contains(stderr, "nothing listens there") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("took %v: waited for the 1m timeout instead of failing fast", took)
	}
}

// TestTLS: a control plane whose admin socket is tls+tcp with mutual TLS
// answers cpctl given -tls-cert, -tls-key and -tls-ca, and cpctl without
// them refuses to dial it, saying what it needs.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	ca, err := certs.NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	cpTLS, err := ca.WriteFiles(filepath.Join(dir, "cp"), "controlplane")
	if err != nil {
		t.Fatal(err)
	}
	cli, err := ca.WriteFiles(filepath.Join(dir, "cli"), "cpctl")
	if err != nil {
		t.Fatal(err)
	}
	cp := startControlPlaneWith(t, func(cfg *controlplane.Config) {
		cfg.Messaging.AdminAddress = "tls+tcp://127.0.0.1:0"
		cfg.Messaging.TLS = cpTLS
	})
	admin := cp.Addresses()["admin"]
	code, out, stderr := cpctl("-admin", admin, "-timeout", wait.String(),
		"-tls-cert", cli.CertFile, "-tls-key", cli.KeyFile, "-tls-ca", cli.CAFile, "nodes")
	if code != 0 || !strings.Contains(out, "NODE") {
		t.Fatalf("with TLS: exit %d\n%s%s", code, out, stderr)
	}
	if code, _, stderr := cpctl("-admin", admin, "nodes"); code != exitUsage || !strings.Contains(stderr, "needs -tls-ca") {
		t.Errorf("without TLS material: exit %d, %s", code, stderr)
	}
	if code, _, stderr := cpctl("-admin", admin, "-tls-cert", cli.CertFile, "nodes"); code != exitUsage || !strings.Contains(stderr, "-tls-key") {
		t.Errorf("a certificate without its key: exit %d, %s", code, stderr)
	}
}
