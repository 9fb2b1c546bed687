package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/retry"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const wait = 30 * time.Second

// build compiles the command into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "controlplane")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// config writes a config with every address on port 0 (bind as given),
// plus extra top-level or messaging lines.
func config(t *testing.T, bind, messagingExtra string) string {
	t.Helper()
	doc := fmt.Sprintf(`{
  "node_id": "cp-test",
  "messaging": {
    "bind_address": %q, "pub_address": "tcp://127.0.0.1:0", "task_address": "tcp://127.0.0.1:0",
    "result_address": "tcp://127.0.0.1:0", "admin_address": "tcp://127.0.0.1:0"%s
  },
  "metrics_address": "127.0.0.1:0"
}`, bind, messagingExtra)
	path := filepath.Join(t.TempDir(), "cfg.json")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// withDataDir writes a copy of the config at path with data_dir set.
func withDataDir(t *testing.T, path, dir string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	doc["data_dir"] = dir
	if b, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "cfg-data.json")
	if err := os.WriteFile(out, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// garbageDataDir is a data_dir whose store file is not one.
func garbageDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "controlplane.db"), bytes.Repeat([]byte("not a store "), 100), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("run: %v", err)
	return -1
}

func TestBadUsageAndConfig(t *testing.T) {
	bin := build(t)
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	good := config(t, "tcp://127.0.0.1:0", "")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"no config", nil, 2, []string{"-config FILE is required"}},
		{"unknown flag", []string{"-config", good, "-verbose"}, 2, []string{"flag provided but not defined: -verbose"}},
		{"stray argument", []string{"-config", good, "extra"}, 2, []string{"-config FILE is required"}},
		{"missing file", []string{"-config", filepath.Join(t.TempDir(), "none.json")}, 2, []string{"none.json: no such file"}},
		{"bad values", []string{"-config", config(t, "tcp://127.0.0.1:0", `,
    "heartbeat_interval_seconds": 0,
    "heartbeat_timeout_seconds": "soon"`)}, 2, []string{
			"cfg.json:7: messaging.heartbeat_timeout_seconds: expected a number of seconds, got a string",
		}},
		{"timeout shorter than interval", []string{"-config", config(t, "tcp://127.0.0.1:0", `,
    "heartbeat_interval_seconds": 0,
    "heartbeat_timeout_seconds": -1`)}, 2, []string{
			"cfg.json:6: messaging.heartbeat_interval_seconds: must be > 0",
			"cfg.json:7: messaging.heartbeat_timeout_seconds: must be > 0",
		}},
		{"bad log level", []string{"-config", good, "-log-level", "chatty"}, 2, []string{"-log-level: logging: unknown level"}},
		{"help", []string{"-h"}, 0, []string{"-ready-file file"}},
		{"address in use", []string{"-config", config(t, "tcp://"+held.Addr().String(), "")}, 1, []string{"could not start"}},
		{"data_dir not a store", []string{"-config", withDataDir(t, good, garbageDataDir(t))}, 1,
			[]string{"could not start", "controlplane.db"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, tc.args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if code := exitCode(t, cmd.Run()); code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
		})
	}
}

// A good config starts, writes the ready file, answers on its admin
// address, and exits 0 on SIGTERM.
func TestReadyFileAndSIGTERM(t *testing.T) {
	bin := build(t)
	ready := filepath.Join(t.TempDir(), "ready.json")
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-config", config(t, "tcp://127.0.0.1:0", ""), "-ready-file", ready, "-log-level", "debug")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	var r api.Ready
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		data, err := os.ReadFile(ready)
		if err == nil {
			if err := json.Unmarshal(data, &r); err != nil {
				t.Fatalf("ready file %s: %v", data, err) // written atomically: never half
			}
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("exited before ready: %v\n%s", err, stderr.String())
		case <-ctx.Done():
			t.Fatal("no ready file")
		case <-tick.C:
		}
	}
	if r.NodeID != "cp-test" || r.PID != cmd.Process.Pid {
		t.Errorf("ready %+v", r)
	}
	for _, role := range []string{"bind", "pub", "tasks", "results", "admin", "metrics"} {
		if a := r.Addresses[role]; a == "" || strings.HasSuffix(a, ":0") {
			t.Errorf("address %s = %q", role, a)
		}
	}
	askNodes(t, r.Addresses["admin"])

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if code := exitCode(t, err); code != 0 {
			t.Errorf("exit %d after SIGTERM:\n%s", code, stderr.String())
		}
	case <-ctx.Done():
		t.Fatal("still running after SIGTERM")
	}
	for _, w := range []string{"INFO controlplane: Control plane cp-test started", "controlplane: Control plane cp-test stopped"} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("log lacks %q:\n%s", w, stderr.String())
		}
	}
}

func askNodes(t *testing.T, admin string) {
	t.Helper()
	c, err := reqrep.NewClient(reqrep.ClientConfig{Name: "test", Timeout: wait, Retry: retry.Policy{MaxRetries: retry.Disabled}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.AddPeer("cp", admin); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	resp, err := c.Call(ctx, "cp", api.AdminNodes, nil)
	if err != nil || string(resp.Data) != "[]" {
		t.Errorf("admin nodes: %v, %v", resp, err)
	}
}
