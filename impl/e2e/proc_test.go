package e2e_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

// binDir holds the binaries TestMain builds once for every test.
var binDir string

// proc is one running program of the cluster.
type proc struct {
	t       *testing.T
	name    string
	args    []string
	log     string // its stdout and stderr
	ready   string
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	Ready   api.Ready
}

// start runs binary with a config file, in its own process group so that
// nothing it starts outlives the test, and waits until it has written its
// ready file. The test's cleanup stops it.
func start(t *testing.T, binary, name, configFile string) *proc {
	t.Helper()
	dir := t.TempDir()
	p := &proc{t: t, name: name, log: filepath.Join(dir, name+".log"), ready: filepath.Join(dir, name+".ready")}
	p.args = []string{"-config", configFile, "-ready-file", p.ready}
	p.launch(binary)
	t.Cleanup(p.stop)
	return p
}

func (p *proc) launch(binary string) {
	p.t.Helper()
	_ = os.Remove(p.ready)
	logf, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		p.t.Fatal(err)
	}
	p.cmd = exec.Command(filepath.Join(binDir, binary), p.args...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	logf.Close()
	p.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		p.waitErr = cmd.Wait()
		close(done)
	}(p.cmd, p.done)
	p.waitReady()
}

func (p *proc) waitReady() {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(p.ready); err == nil {
			if err := json.Unmarshal(b, &p.Ready); err != nil {
				p.t.Fatalf("%s ready file: %v", p.name, err)
			}
			return
		}
		select {
		case <-p.done:
			p.t.Fatalf("%s exited before it was ready (%v):\n%s", p.name, p.waitErr, p.output())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s not ready after 30s:\n%s", p.name, p.output())
		}
	}
}

func (p *proc) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// kill sends SIGKILL to the whole process group and reaps it.
func (p *proc) kill() {
	p.t.Helper()
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// restart starts the program again with the same arguments.
func (p *proc) restart(binary string) {
	p.t.Helper()
	p.launch(binary)
}

// stop asks the process group to end (SIGTERM), and kills it if it has not
// after a grace period; on a failed test it shows the program's log.
func (p *proc) stop() {
	select {
	case <-p.done:
	default:
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
			p.t.Errorf("%s ignored SIGTERM for 10s", p.name)
		}
		if p.waitErr != nil && !isSignal(p.waitErr) {
			p.t.Errorf("%s exited with %v", p.name, p.waitErr)
		}
	}
	if p.t.Failed() {
		p.t.Logf("---- %s log ----\n%s", p.name, tail(p.output(), 60))
	}
}

func isSignal(err error) bool {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return true
		}
	}
	return false
}

func tail(s string, lines int) string {
	parts := bytes.Split([]byte(s), []byte("\n"))
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return string(bytes.Join(parts, []byte("\n")))
}

// writeJSON writes v as a config file in dir and returns its path.
func writeJSON(t *testing.T, dir, name string, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
