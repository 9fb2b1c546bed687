package transport_test

import (
	"errors"
	"io"
	"net"
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
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(addr, "tcp://"), time.Second)
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

// TestListenerClosesDuringHandshakes closes listeners while peers are in the
// middle of connecting. With mangos v3.4.2's own tcp listener the race
// detector reports a data race here (its handshaker's Close against the
// handshake goroutine); ours must close cleanly and leave no goroutine.
func TestListenerClosesDuringHandshakes(t *testing.T) {
	proto := pairProto(t)
	for range 20 {
		srv := open(t, "server", transport.Options{}, nil)
		addr, err := srv.Listen("tcp://127.0.0.1:0")
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
	srv := open(t, "server", transport.Options{}, nil)
	addr, err := srv.Listen("tcp://127.0.0.1:0")
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
			c, err := net.Dial("tcp", strings.TrimPrefix(addr, "tcp://"))
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
	srv := open(t, "server", transport.Options{}, nil)
	addr, err := srv.Listen("tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", strings.TrimPrefix(addr, "tcp://"))
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
