package transport_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3/protocol/pair"
	"go.uber.org/goleak"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/tlsconf"
	"github.com/nngbench/nngbench/impl/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(t *testing.T, name string, o transport.Options, reg *metrics.Registry) *transport.Socket {
	t.Helper()
	sock, err := pair.NewSocket()
	if err != nil {
		t.Fatal(err)
	}
	s, err := transport.Open(sock, name, o, reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    transport.Options
		want string
	}{
		{"defaults", transport.Options{}, ""},
		{"negative size", transport.Options{MaxMessageSize: -1}, "max_message_size"},
		{"backoff cap below start", transport.Options{ReconnectTime: time.Second, MaxReconnectTime: time.Millisecond}, "max_reconnect_time"},
		{"negative queue", transport.Options{ReadQueue: -1}, "queue"},
		{"negative frame timeout", transport.Options{FrameTimeout: -time.Second}, "frame_timeout"},
		{"negative send timeout", transport.Options{SendTimeout: -time.Second}, "send_timeout"},
		{"negative peer queue", transport.Options{PeerQueueBytes: -1}, "peer_queue_bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.WithDefaults().Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Validate() = %v, want mention of %q", err, tc.want)
			}
		})
	}
}

func TestScheme(t *testing.T) {
	for addr, want := range map[string]string{
		"tcp://127.0.0.1:5555": "tcp", "tls+tcp://[::1]:1": "tls+tcp", "ipc:///tmp/x": "ipc",
		"inproc://a": "inproc", "ws://127.0.0.1:1/p": "ws", "udp://x": "", "127.0.0.1:5555": "",
	} {
		got, err := transport.Scheme(addr)
		if got != want || (want == "") != errors.Is(err, transport.ErrBadScheme) {
			t.Errorf("Scheme(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
}

func TestTLSAddressNeedsConfig(t *testing.T) {
	s := open(t, "plain", transport.Options{}, nil)
	if _, err := s.Listen("tls+tcp://127.0.0.1:0"); !errors.Is(err, transport.ErrNeedsTLS) {
		t.Fatalf("listen: %v", err)
	}
	if err := s.Dial("tls+tcp://127.0.0.1:1"); !errors.Is(err, transport.ErrNeedsTLS) {
		t.Fatalf("dial: %v", err)
	}
}

// A client whose certificate another CA signed is refused, the refusal is
// counted on the listening socket, and a properly signed client still gets in.
func TestTLSRefusesForeignCA(t *testing.T) {
	ca, rogue := testkit.NewCA(t, "cluster-ca"), testkit.NewCA(t, "rogue-ca")
	srvTLS, err := ca.Material(t, "server").Server()
	if err != nil {
		t.Fatal(err)
	}
	reg := metrics.NewRegistry()
	srv := open(t, "server", transport.Options{TLS: srvTLS}, reg)
	addr, err := srv.Listen("tls+tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	// The rogue client trusts the server's CA but presents its own cert.
	rogueMat := rogue.Material(t, "intruder")
	rogueMat.CAs = ca.Material(t, "x").CAs
	bad := open(t, "intruder", transport.Options{TLS: rogueMat.Client()}, nil)
	if err := bad.Dial(addr); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, func() bool { return srv.M.Errors(metrics.KindTLS) > 0 },
		"the foreign-CA client was never refused")
	if n := srv.M.Connections(); n != 0 {
		t.Fatalf("server has %d connections after refusing the only client", n)
	}

	good := open(t, "client", transport.Options{TLS: ca.Material(t, "client").Client()}, nil)
	if err := good.Dial(addr); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, func() bool { return srv.M.Connections() == 1 && good.M.Connections() == 1 },
		"the signed client never connected")
	st, _ := reg.Snapshot().Socket("server")
	if st.Errors["tls"] == 0 {
		t.Fatalf("snapshot lost the TLS refusal: %+v", st)
	}
}

func TestConnectionGauge(t *testing.T) {
	srv := open(t, "server", transport.Options{}, nil)
	addr, err := srv.Listen("tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cli := open(t, "client", transport.Options{}, nil)
	if err := cli.Dial(addr); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, func() bool { return srv.M.Connections() == 1 }, "no connection")
	cli.Close()
	testkit.Eventually(t, 5*time.Second, func() bool { return srv.M.Connections() == 0 }, "connection not released")
}

func TestSizeLimit(t *testing.T) {
	const limit = 1024
	srv := open(t, "server", transport.Options{MaxMessageSize: limit}, nil)
	addr, err := srv.Listen("tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cli := open(t, "client", transport.Options{MaxMessageSize: 4 * limit}, nil)
	if err := cli.Dial(addr); err != nil {
		t.Fatal(err)
	}
	big := envelope.New(envelope.Event, "c", "t", []byte(`"`+strings.Repeat("x", 1500)+`"`))
	if _, err := srv.Encode("", big); !errors.Is(err, transport.ErrTooLarge) {
		t.Fatalf("encode over the limit: %v", err)
	}
	// The client's limit is higher, so it sends; the server reads it, refuses
	// it by size, and the connection carries the next message.
	m, err := cli.Encode("", big)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.Send(nil, m); err != nil {
		t.Fatal(err)
	}
	body, err := srv.Mangos().Recv()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Decode(body); !errors.Is(err, transport.ErrTooLarge) || !strings.Contains(err.Error(), "max_message_size") {
		t.Fatalf("decode over the limit: %v", err)
	}
	small := envelope.New(envelope.Event, "c", "t", []byte(`1`))
	if m, err = cli.Encode("", small); err != nil {
		t.Fatal(err)
	}
	if err := cli.Send(nil, m); err != nil {
		t.Fatal(err)
	}
	if body, err = srv.Mangos().Recv(); err != nil {
		t.Fatal(err)
	}
	if e, err := srv.Decode(body); err != nil || e.ID != small.ID {
		t.Fatalf("next message: %v %v", e, err)
	}
	if srv.M.Errors(metrics.KindOversize) != 2 {
		t.Fatalf("oversize errors = %d, want 2", srv.M.Errors(metrics.KindOversize))
	}
}

// Every supported scheme carries envelopes both ways, through the same
// Open/Listen/Dial/Encode/Decode path the patterns use.
func TestEveryScheme(t *testing.T) {
	for _, tr := range []testkit.Transport{testkit.Inproc, testkit.TCP, testkit.TLS, testkit.IPC, testkit.WS} {
		t.Run(tr.Name, func(t *testing.T) {
			lopts, dopts := tr.Options(t)
			a := open(t, "a", lopts, nil)
			addr, err := a.Listen(tr.Addr(t))
			if err != nil {
				t.Fatal(err)
			}
			if s, _ := transport.Scheme(addr); s != tr.Name {
				t.Fatalf("bound %q, scheme %q", addr, s)
			}
			b := open(t, "b", dopts, nil)
			if err := b.Dial(addr); err != nil {
				t.Fatal(err)
			}
			for _, dir := range []struct{ from, to *transport.Socket }{{b, a}, {a, b}} {
				want := envelope.New(envelope.Event, "t", "topic", []byte(`{"k":[1,2]}`))
				m, err := dir.from.Encode("", want)
				if err != nil {
					t.Fatal(err)
				}
				if err := dir.from.Send(nil, m); err != nil {
					t.Fatal(err)
				}
				got, err := dir.to.Mangos().RecvMsg()
				if err != nil {
					t.Fatal(err)
				}
				e, err := dir.to.DecodeMessage(got, 0)
				if err != nil || e.ID != want.ID || string(e.Data) != `{"k":[1,2]}` {
					t.Fatalf("got %+v, %v", e, err)
				}
			}
		})
	}
}

// logBuffer collects log records as JSON lines, safely across goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// find returns the first record with msg whose every key holds a value
// containing the wanted text.
func (l *logBuffer) find(msg string, want map[string]string) map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	for line := range strings.SplitSeq(l.b.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != msg {
			continue
		}
		ok := true
		for k, v := range want {
			s, _ := rec[k].(string)
			ok = ok && strings.Contains(s, v)
		}
		if ok {
			return rec
		}
	}
	return nil
}

// A refused TLS peer is logged with its address and the reason, on the
// listening side (the peer's address as accepted) and on the dialing side
// (the address dialed), besides being counted.
func TestTLSRefusalLogged(t *testing.T) {
	ca, rogue := testkit.NewCA(t, "cluster-ca"), testkit.NewCA(t, "rogue-ca")
	for _, tc := range []struct {
		name              string
		server, client    *tlsconf.Material
		logOnServer       bool
		wantPeerIsDialled bool
	}{
		{"listener refuses a client", ca.Material(t, "server"), func() *tlsconf.Material {
			m := rogue.Material(t, "intruder")
			m.CAs = ca.Material(t, "x").CAs
			return m
		}(), true, false},
		{"dialer refuses a server", func() *tlsconf.Material {
			m := rogue.Material(t, "impostor")
			m.CAs = ca.Material(t, "x").CAs
			return m
		}(), ca.Material(t, "client"), false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := &logBuffer{}
			log := slog.New(slog.NewJSONHandler(logs, nil))
			srvTLS, err := tc.server.Server()
			if err != nil {
				t.Fatal(err)
			}
			so, co := transport.Options{TLS: srvTLS}, transport.Options{TLS: tc.client.Client()}
			if tc.logOnServer {
				so.Logger = log
			} else {
				co.Logger = log
			}
			srv := open(t, "server", so, nil)
			addr, err := srv.Listen("tls+tcp://127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			cli := open(t, "client", co, nil)
			if err := cli.Dial(addr); err != nil {
				t.Fatal(err)
			}
			peer := "127.0.0.1:"
			if tc.wantPeerIsDialled {
				peer = addr
			}
			want := map[string]string{"peer": peer, "reason": tlsconf.ErrRefused.Error()}
			testkit.Eventually(t, 5*time.Second, func() bool { return logs.find("refused a TLS peer", want) != nil },
				"no log of the refusal with %v", want)
		})
	}
}
