package reqrep_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3"
	"go.nanomsg.org/mangos/v3/protocol/req"
	_ "go.nanomsg.org/mangos/v3/transport/tcp"
	"go.uber.org/goleak"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/conformance"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConformance(t *testing.T) { testkit.ForEach(t, conformance.VerifyReqRep) }

// newServer starts a server on loopback tcp with an /echo, a /fail and a
// /panic endpoint.
func newServer(t *testing.T, cfg reqrep.ServerConfig) (*reqrep.Server, string) {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "worker-1"
	}
	srv, err := reqrep.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.Handle("/echo", func(_ context.Context, r *envelope.Envelope) (json.RawMessage, error) { return r.Data, nil })
	srv.Handle("/fail", func(context.Context, *envelope.Envelope) (json.RawMessage, error) {
		return nil, errors.New("disk full")
	})
	srv.Handle("/panic", func(context.Context, *envelope.Envelope) (json.RawMessage, error) { panic("boom") })
	srv.Handle("/bind", func(_ context.Context, r *envelope.Envelope) (json.RawMessage, error) {
		var args struct {
			Image string `json:"image"`
		}
		if err := r.Bind(&args); err != nil {
			return nil, err
		}
		return json.RawMessage(`"ok"`), nil
	})
	addr, err := srv.Listen("tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return srv, addr
}

// bareReq is a plain mangos REQ socket: what a foreign or broken peer sends.
func bareReq(t *testing.T, addr string) mangos.Socket {
	t.Helper()
	s, err := req.NewSocket()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.SetOption(mangos.OptionRecvDeadline, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.Dial(addr); err != nil {
		t.Fatal(err)
	}
	return s
}

func ask(t *testing.T, s mangos.Socket, body []byte) *envelope.Envelope {
	t.Helper()
	if err := s.Send(body); err != nil {
		t.Fatal(err)
	}
	reply, err := s.Recv()
	if err != nil {
		t.Fatalf("no reply: %v", err)
	}
	e, err := envelope.Unmarshal(reply)
	if err != nil {
		t.Fatalf("reply is not an envelope: %v: %q", err, reply)
	}
	return e
}

// Every kind of bad request gets an error reply on the same connection, and
// the next good request is answered.
func TestBadRequestsGetErrorReplies(t *testing.T) {
	srv, addr := newServer(t, reqrep.ServerConfig{Transport: transport.Options{MaxMessageSize: 64 << 10}})
	good, _ := envelope.Marshal(envelope.New(envelope.Request, "test", "/echo", json.RawMessage(`{"n":1}`)))
	request := func(endpoint, data string) []byte {
		b, _ := envelope.Marshal(envelope.New(envelope.Request, "test", endpoint, json.RawMessage(data)))
		return b
	}
	s := bareReq(t, addr)
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"garbage", []byte("\x00\xffnot json at all"), "malformed"},
		{"truncated envelope", good[:len(good)-9], "malformed"},
		{"empty", nil, "malformed"},
		{"oversize", request("/echo", `"`+strings.Repeat("x", 70<<10)+`"`), "exceeds max_message_size"},
		{"unknown endpoint", request("/nope", `{}`), `unknown endpoint "/nope"`},
		{"handler error", request("/fail", `{}`), "disk full"},
		{"handler panic", request("/panic", `{}`), "panicked: boom"},
		{"bad command data", request("/bind", `{"image":7}`), "bad data"},
		{"unknown field in data", request("/bind", `{"image":"x","gpus":1}`), "unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := ask(t, s, tc.body)
			if e.Type != envelope.Response || !strings.Contains(e.Error, tc.want) {
				t.Fatalf("reply %+v, want an error mentioning %q", e, tc.want)
			}
			if e := ask(t, s, good); e.Error != "" || string(e.Data) != `{"n":1}` {
				t.Fatalf("good request after %s: %+v", tc.name, e)
			}
		})
	}
	st := srv.Stats()
	if st.Errors["decode"] != 3 || st.Errors["oversize"] != 1 || st.Errors["handler"] != 5 {
		t.Fatalf("server error counters: %v", st.Errors)
	}
	if st.Connections != 1 {
		t.Fatalf("connections = %d, want the one connection to have survived", st.Connections)
	}
}

// A response too large to send is replaced by an error response.
func TestOversizeResponse(t *testing.T) {
	srv, addr := newServer(t, reqrep.ServerConfig{Transport: transport.Options{MaxMessageSize: 4 << 10}})
	srv.Handle("/big", func(context.Context, *envelope.Envelope) (json.RawMessage, error) {
		return json.RawMessage(`"` + strings.Repeat("y", 8<<10) + `"`), nil
	})
	body, _ := envelope.Marshal(envelope.New(envelope.Request, "test", "/big", nil))
	if e := ask(t, bareReq(t, addr), body); !strings.Contains(e.Error, "response not sent") {
		t.Fatalf("got %+v", e)
	}
}

func TestServerConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  reqrep.ServerConfig
		want string
	}{
		{"no name", reqrep.ServerConfig{}, "name: required"},
		{"negative concurrency", reqrep.ServerConfig{Name: "x", Concurrency: -1}, "concurrency"},
		{"negative timeout", reqrep.ServerConfig{Name: "x", HandlerTimeout: -time.Second}, "handler_timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := reqrep.NewServer(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestHandlerTimeoutCancelsContext(t *testing.T) {
	srv, addr := newServer(t, reqrep.ServerConfig{HandlerTimeout: 50 * time.Millisecond})
	srv.Handle("/slow", func(ctx context.Context, _ *envelope.Envelope) (json.RawMessage, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	body, _ := envelope.Marshal(envelope.New(envelope.Request, "test", "/slow", nil))
	if e := ask(t, bareReq(t, addr), body); !strings.Contains(e.Error, "deadline exceeded") {
		t.Fatalf("got %+v", e)
	}
}
