package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3/protocol/push"
	_ "go.nanomsg.org/mangos/v3/transport/tcp"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/internal/testbin"
)

// `nngbench peer` as the harness runs it, a process of its own: bad flags exit 2 before any
// socket opens; a good one says ready once attached, counts what it gets, and on SIGTERM
// reports it and exits 0.
func TestPeerCommand(t *testing.T) {
	dir, err := testbin.Build("nngbench")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	bin := filepath.Join(dir, "nngbench")

	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{
			{"--pattern", "pushpull", "--role", "push", "--addr", "tcp://127.0.0.1:1"},
			{"--pattern", "carrier-pigeon", "--role", "pull", "--addr", "tcp://127.0.0.1:1"},
			{"--pattern", "bus", "--role", "bus"},
			{"--pattern", "pair", "--role", "pair", "--addr", "tcp://127.0.0.1:1", "--max", "soon"},
		} {
			out, err := exec.Command(bin, append([]string{"peer"}, args...)...).CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitUsage {
				t.Errorf("peer %v: %v, want exit %d\n%s", args, err, exitUsage, out)
			}
		}
	})

	t.Run("receives and reports", func(t *testing.T) {
		hub, err := push.NewSocket()
		if err != nil {
			t.Fatal(err)
		}
		defer hub.Close()
		l, err := hub.NewListener("tcp://127.0.0.1:0", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Listen(); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "peer", "--pattern", "pushpull", "--role", "pull", "--addr", l.Address(), "--max", "1m")
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		out := bufio.NewReader(stdout)
		event(t, out, "ready")
		const n = 20
		for i := range n {
			b := make([]byte, 64)
			_ = engine.Stamp{Seq: uint64(i), Intended: time.Now(), Actual: time.Now()}.Put(b)
			if err := hub.Send(b); err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		for got := 0.0; got < n; {
			if time.Now().After(deadline) {
				t.Fatalf("peer counted %v of %d messages in 10s", got, n)
			}
			_, _ = io.WriteString(stdin, "count\n")
			got, _ = event(t, out, "count")["count"].(float64)
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		rep, _ := event(t, out, "report")["report"].(map[string]any)
		if rep["arrivals"] != float64(n) || rep["errors"] != float64(0) {
			t.Errorf("report %v, want %d arrivals and no error", rep, n)
		}
		_, _ = io.Copy(io.Discard, out) // the arrival log, then the end
		if err := cmd.Wait(); err != nil {
			t.Errorf("peer after SIGTERM: %v, want exit 0", err)
		}
	})
}

// event reads the peer's next line and checks it is an event of kind.
func event(t *testing.T, r *bufio.Reader, kind string) map[string]any {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("waiting for %q: %v", kind, err)
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(line), &ev); err != nil || ev["event"] != kind {
		t.Fatalf("peer wrote %q (%v), want a %q event", strings.TrimSpace(line), err, kind)
	}
	return ev
}
