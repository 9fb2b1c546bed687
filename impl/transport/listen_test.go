package transport_test

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3/protocol/pair"

	"github.com/nngbench/nngbench/impl/transport"
	"github.com/nngbench/nngbench/internal/wait"
)

// spHeader is the SP/TCP header a peer of protocol proto sends.
func spHeader(proto uint16) []byte {
	return []byte{0, 'S', 'P', 0, byte(proto >> 8), byte(proto), 0, 0}
}

func pairProto(t *testing.T) uint16 {
	t.Helper()
	s, err := pair.NewSocket()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return s.Info().Self
}

// handshakes dials addr over and over, completing the SP handshake each time
// and hanging up at once, until stop closes; it counts the handshakes done.
func handshakes(addr string, proto uint16, done *atomic.Int64, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		c, err := dialRaw(addr)
		if err != nil {
			continue // the listener is gone: keep going until told to stop
		}
		if _, err := c.Write(spHeader(proto)); err == nil {
			var h [8]byte
			if _, err := io.ReadFull(c, h[:]); err == nil {
				done.Add(1)
			}
		}
		_ = c.Close()
	}
}

// dialRaw opens a bare connection to a tcp:// or ipc:// address.
func dialRaw(addr string) (net.Conn, error) {
	if path, ok := strings.CutPrefix(addr, "ipc://"); ok {
		return net.DialTimeout("unix", path, time.Second)
	}
	return net.DialTimeout("tcp", strings.TrimPrefix(addr, "tcp://"), time.Second)
}

// listenAddrs are the addresses each listener test binds: tcp and ipc.
func listenAddrs(t *testing.T) map[string]func() string {
	return map[string]func() string{
		"tcp": func() string { return "tcp://127.0.0.1:0" },
		"ipc": func() string { return "ipc://" + filepath.Join(t.TempDir(), "l.ipc") },
	}
}

// TestListenerClosesDuringHandshakes closes listeners while peers are in the
// middle of connecting. With mangos v3.4.2's own tcp and ipc listeners the
// race detector reports a data race here (its handshaker's Close against the
// handshake goroutine); ours must close cleanly and leave no goroutine. On a
// loaded machine it also catches mangos' accept goroutine deadlocking when
// the socket closes a pipe it is adding (goleak reported it in 7 of 12
// loaded runs before Socket.Close settled the listeners first).
func TestListenerClosesDuringHandshakes(t *testing.T) {
	proto := pairProto(t)
	for name, at := range listenAddrs(t) {
		t.Run(name, func(t *testing.T) { closeDuringHandshakes(t, proto, at) })
	}
}

func closeDuringHandshakes(t *testing.T, proto uint16, at func() string) {
	for range 20 {
		srv := open(t, "server", transport.Options{}, nil)
		addr, err := srv.Listen(at())
		if err != nil {
			t.Fatal(err)
		}
		var done atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() { handshakes(addr, proto, &done, stop) })
		}
		wait.Until(t, 5*time.Second, "handshakes", func() bool { return done.Load() >= 20 })
		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
		close(stop)
		wg.Wait()
	}
}

func TestListenerRefusesBadHeaders(t *testing.T) {
	proto := pairProto(t)
	for name, at := range listenAddrs(t) {
		t.Run(name, func(t *testing.T) { refusesBadHeaders(t, proto, at()) })
	}
}

func refusesBadHeaders(t *testing.T, proto uint16, at string) {
	srv := open(t, "server", transport.Options{}, nil)
	addr, err := srv.Listen(at)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		hdr  []byte
	}{
		{"not SP", []byte("GET / HT")},
		{"version 1", []byte{0, 'S', 'P', 1, byte(proto >> 8), byte(proto), 0, 0}},
		{"reserved bits", []byte{0, 'S', 'P', 0, byte(proto >> 8), byte(proto), 0, 1}},
		{"wrong protocol", spHeader(proto + 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := dialRaw(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write(tc.hdr); err != nil {
				t.Fatal(err)
			}
			if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
				t.Fatal(err)
			}
			// The listener's own header, then the hang-up.
			if _, err := io.ReadFull(c, make([]byte, 8)); err != nil {
				t.Fatalf("no header from the listener: %v", err)
			}
			if n, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
				t.Fatalf("read %d bytes, %v: want the connection closed", n, err)
			}
		})
	}
	// And it still takes a real peer.
	cli := open(t, "client", transport.Options{}, nil)
	if err := cli.Dial(addr); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 5*time.Second, "a good peer connected", func() bool { return srv.M.Connections() == 1 })
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && strings.Contains(op.Err.Error(), "reset")
}

// TestListenerCloseEndsSilentPeers: a peer that connects and never sends its
// header does not hold Close up.
func TestListenerCloseEndsSilentPeers(t *testing.T) {
	for name, at := range listenAddrs(t) {
		t.Run(name, func(t *testing.T) { closeEndsSilentPeers(t, at()) })
	}
}

func closeEndsSilentPeers(t *testing.T, at string) {
	srv := open(t, "server", transport.Options{}, nil)
	addr, err := srv.Listen(at)
	if err != nil {
		t.Fatal(err)
	}
	c, err := dialRaw(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.ReadFull(c, make([]byte, 8)); err != nil { // the handshake is under way
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	var got error
	wait.Until(t, 5*time.Second, "Close to return", func() bool {
		select {
		case got = <-closed:
			return true
		default:
			return false
		}
	})
	if got != nil {
		t.Fatal(got)
	}
	if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Fatalf("silent peer still connected: %v", err)
	}
}

// A unix socket file that nobody listens on (its process died) is replaced;
// one in use, or a file that is not a socket, is an error.
func TestListenIPCStaleSocket(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.ipc")
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ul.SetUnlinkOnClose(false) // as a killed process leaves it
	if err := ul.Close(); err != nil {
		t.Fatal(err)
	}
	srv := open(t, "server", transport.Options{}, nil)
	addr, err := srv.Listen("ipc://" + stale)
	if err != nil {
		t.Fatalf("over a stale socket: %v", err)
	}
	if addr != "ipc://"+stale {
		t.Errorf("bound %q, want ipc://%s", addr, stale)
	}
	cli := open(t, "client", transport.Options{}, nil)
	if err := cli.Dial(addr); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 5*time.Second, "a peer connected", func() bool { return srv.M.Connections() == 1 })

	other := open(t, "other", transport.Options{}, nil)
	if _, err := other.Listen(addr); err == nil {
		t.Error("a second listener on a socket in use: no error")
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Listen("ipc://" + plain); err == nil {
		t.Error("listening over a plain file: no error")
	}
	if b, err := os.ReadFile(plain); err != nil || string(b) != "x" {
		t.Errorf("the plain file was touched: %q, %v", b, err)
	}
}

func TestListenAddressKeepsScheme(t *testing.T) {
	srv := open(t, "server", transport.Options{}, nil)
	addr, err := srv.Listen("tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "tcp://127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("bound address %q, want tcp://127.0.0.1:<port>", addr)
	}
}
