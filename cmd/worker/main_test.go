package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/nngbench/nngbench/impl/api"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const wait = 20 * time.Second

// build compiles the command into a temporary directory: the tests run
// the real program, exit statuses and signals included.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "worker")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// goodConfig is a config whose control plane is not running: the worker
// starts anyway and keeps trying to register.
func goodConfig(node string) map[string]any {
	return map[string]any{
		"node_id": node,
		"messaging": map[string]any{
			"bind_address":          "tcp://127.0.0.1:0",
			"control_plane_address": "tcp://127.0.0.1:9", "sub_address": "tcp://127.0.0.1:9",
			"task_address": "tcp://127.0.0.1:9", "result_address": "tcp://127.0.0.1:9",
			"heartbeat_interval_seconds": 0.1, "reconnect_interval_seconds": 0.2,
		},
		"metrics_address": "127.0.0.1:0",
	}
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeConfig(t *testing.T, cfg map[string]any) string {
	t.Helper()
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "worker.json", string(b))
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

func TestUsageErrors(t *testing.T) {
	bin := build(t)
	unknown := writeFile(t, "worker.json", "{\n  \"node_id\": \"w\",\n  \"colour\": \"red\"\n}\n")
	noNode := writeFile(t, "worker.json", "{\n  \"messaging\": {\"heartbeat_interval_seconds\": -1}\n}\n")
	good := writeConfig(t, goodConfig("w"))
	for _, tc := range []struct {
		name string
		args []string
		want []*regexp.Regexp
	}{
		{"no config flag", nil, []*regexp.Regexp{regexp.MustCompile(`-config is required`)}},
		{"unknown flag", []string{"-config", good, "-colour"}, []*regexp.Regexp{regexp.MustCompile(`flag provided but not defined: -colour`)}},
		{"bad log level flag", []string{"-config", good, "-log-level", "loud"}, []*regexp.Regexp{regexp.MustCompile(`-log-level: .*unknown level`)}},
		{"missing file", []string{"-config", filepath.Join(t.TempDir(), "none.json")}, []*regexp.Regexp{regexp.MustCompile(`no such file`)}},
		{"unknown field", []string{"-config", unknown}, []*regexp.Regexp{regexp.MustCompile(`worker\.json:3: colour: unknown field`)}},
		{"several problems", []string{"-config", noNode}, []*regexp.Regexp{
			regexp.MustCompile(`(?m)^.*worker\.json: node_id: required$`),
			regexp.MustCompile(`(?m)^.*worker\.json:2: messaging\.heartbeat_interval_seconds: must be > 0, got -1$`),
			regexp.MustCompile(`(?m)^.*worker\.json:2: messaging\.bind_address: required$`),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := exec.Command(bin, tc.args...)
			cmd.Stderr = &stderr
			if code := exitCode(t, cmd.Run()); code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, &stderr)
			}
			for _, re := range tc.want {
				if !re.Match(stderr.Bytes()) {
					t.Errorf("stderr does not match %s:\n%s", re, &stderr)
				}
			}
		})
	}
}

func TestStartsAndStopsOnSIGTERM(t *testing.T) {
	bin := build(t)
	ready := filepath.Join(t.TempDir(), "worker.ready")
	var stderr syncBuffer
	cmd := exec.Command(bin, "-config", writeConfig(t, goodConfig("worker-7")), "-ready-file", ready)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // a no-op once it has exited
		<-exited
	})

	r := waitReady(t, ready, exited)
	if r.NodeID != "worker-7" || r.PID != cmd.Process.Pid || !strings.HasPrefix(r.Addresses["bind"], "tcp://127.0.0.1:") ||
		strings.HasSuffix(r.Addresses["bind"], ":0") || len(r.Addresses) != 2 {
		t.Errorf("ready file %+v", r)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: wait}
	resp, err := client.Get("http://" + r.Addresses["metrics"] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/metrics: %s", resp.Status)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err // for the cleanup
		if code := exitCode(t, err); code != 0 {
			t.Errorf("exit %d after SIGTERM, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(wait):
		t.Fatalf("still running %v after SIGTERM", wait)
	}
	line := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO worker: Worker worker-7 started on tcp://`)
	if !line.MatchString(stderr.String()) {
		t.Errorf("no start line in the reference format:\n%s", stderr.String())
	}
}

// waitReady polls for the ready file until the deadline or the process
// exits.
func waitReady(t *testing.T, path string, exited chan error) api.Ready {
	t.Helper()
	deadline := time.After(wait)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil {
			var r api.Ready
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatalf("ready file %q: %v", b, err)
			}
			return r
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("exited before ready: %v", err)
		case <-deadline:
			t.Fatalf("no ready file after %v", wait)
		case <-tick.C:
		}
	}
}
