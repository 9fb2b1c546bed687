package testkit

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/transport"
	"github.com/nngbench/nngbench/internal/wait"
)

// Transport is one way to connect two sockets in a test.
type Transport struct {
	Name string
	// Addr returns a fresh address to listen on (port 0 where there are
	// ports: dial what Listen returned, not this).
	Addr func(t testing.TB) string
	TLS  bool
}

var inprocSeq atomic.Uint64

// The transports of the conformance matrix.
var (
	Inproc = Transport{Name: "inproc", Addr: func(testing.TB) string {
		return fmt.Sprintf("inproc://testkit-%d", inprocSeq.Add(1))
	}}
	TCP = Transport{Name: "tcp", Addr: func(testing.TB) string { return "tcp://127.0.0.1:0" }}
	TLS = Transport{Name: "tls+tcp", TLS: true, Addr: func(testing.TB) string {
		return "tls+tcp://127.0.0.1:0"
	}}
	IPC = Transport{Name: "ipc", Addr: func(t testing.TB) string {
		// Unix socket paths are limited to ~100 bytes, so not t.TempDir().
		dir, err := os.MkdirTemp("", "nb")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		return "ipc://" + filepath.Join(dir, "s")
	}}
	WS = Transport{Name: "ws", Addr: func(testing.TB) string { return "ws://127.0.0.1:0/nngbench" }}
)

// Matrix is what every pattern's conformance test runs over.
var Matrix = []Transport{Inproc, TCP, TLS}

// Options returns the options of a listening and a dialing socket for tr:
// with mutual TLS (both sides signed by one in-memory CA) where tr needs it.
// Each carries both a listener's and a dialer's config, so a socket that
// does both (a bus node) can use either.
func (tr Transport) Options(t testing.TB) (listen, dial transport.Options) {
	t.Helper()
	if !tr.TLS {
		return transport.Options{}, transport.Options{}
	}
	ca := NewCA(t, "testkit-ca")
	srv, err := ca.Material(t, "server").Server()
	if err != nil {
		t.Fatal(err)
	}
	cli := ca.Material(t, "client").Client()
	return transport.Options{TLS: srv, DialTLS: cli}, transport.Options{TLS: srv, DialTLS: cli}
}

// ForEach runs f as a subtest for each transport of the matrix.
func ForEach(t *testing.T, f func(t *testing.T, tr Transport)) {
	for _, tr := range Matrix {
		t.Run(tr.Name, func(t *testing.T) { f(t, tr) })
	}
}

// Eventually waits for cond with a deadline (internal/wait), failing the
// test with msg if it does not come to hold.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	wait.Untilf(t, timeout, cond, msg, args...)
}
