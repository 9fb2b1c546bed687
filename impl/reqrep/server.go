// Package reqrep carries commands over REQ/REP: a Server routes requests to
// handlers by endpoint and serves many at once; a Client sends them to one or
// many peers with deadlines, retries with backoff, and a circuit breaker per
// peer.
package reqrep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"go.nanomsg.org/mangos/v3"
	"go.nanomsg.org/mangos/v3/protocol/rep"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/transport"
)

// Handler serves one endpoint. The data it returns is the response payload;
// an error becomes an error response. ctx ends when the server closes or the
// handler timeout passes.
//
// req.Data aliases the received message, which goes back to mangos' pool
// once the response is encoded: a handler that keeps Data after it returns
// must copy it (Bind copies into the value it fills).
type Handler func(ctx context.Context, req *envelope.Envelope) (json.RawMessage, error)

// Errors a server puts in error responses.
var (
	ErrUnknownEndpoint = errors.New("reqrep: unknown endpoint")
	ErrHandlerPanic    = errors.New("reqrep: handler panicked")
)

// ServerConfig configures a Server.
type ServerConfig struct {
	Name      string            // sender id in responses and metrics socket name; required
	Transport transport.Options // addresses' options, message size limit, TLS
	// Concurrency is how many requests are served at once, each on its own
	// mangos context; default 4 x GOMAXPROCS, at least 8.
	Concurrency int
	// HandlerTimeout bounds each handler's ctx; 0 = no bound but Close.
	HandlerTimeout time.Duration
	// SendTimeout bounds how long a reply waits for its peer's connection
	// to take it; the reply is then dropped and counted. Default 1s. On
	// connections our listeners accept a peer that does not read has its
	// replies dropped at once (impl/transport); this bounds the others
	// (dialed, inproc, ws), where mangos would wait for ever.
	SendTimeout time.Duration
	Metrics     *metrics.Registry // nil: a private registry
	Logger      *slog.Logger      // nil: discard
}

// WithDefaults fills the zero fields.
func (c ServerConfig) WithDefaults() ServerConfig {
	if c.Concurrency == 0 {
		c.Concurrency = max(8, 4*runtime.GOMAXPROCS(0))
	}
	if c.SendTimeout == 0 {
		c.SendTimeout = time.Second
	}
	return c
}

// Validate names every bad field.
func (c ServerConfig) Validate() error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, errors.New("reqrep: name: required"))
	}
	if c.Concurrency < 1 {
		errs = append(errs, errors.New("reqrep: concurrency: must be >= 1"))
	}
	if c.HandlerTimeout < 0 {
		errs = append(errs, errors.New("reqrep: handler_timeout: must be >= 0"))
	}
	if c.SendTimeout < 0 {
		errs = append(errs, errors.New("reqrep: send_timeout: must be >= 0"))
	}
	return errors.Join(errs...)
}

// Server answers requests on a REP socket.
type Server struct {
	cfg    ServerConfig
	sock   *transport.Socket
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.RWMutex
	handlers map[string]Handler
}

// NewServer opens the REP socket and starts the serving goroutines; add
// handlers, then Listen (or Dial).
func NewServer(cfg ServerConfig) (*Server, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	raw, err := rep.NewSocket()
	if err != nil {
		return nil, fmt.Errorf("reqrep: %w", err)
	}
	sock, err := transport.Open(raw, cfg.Name, cfg.Transport.WithLogger(cfg.Logger), cfg.Metrics)
	if err != nil {
		raw.Close()
		return nil, err
	}
	s := &Server{cfg: cfg, sock: sock, log: logging.Component(cfg.Logger, "messaging"), handlers: map[string]Handler{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for range cfg.Concurrency {
		mctx, err := raw.OpenContext()
		if err == nil {
			err = mctx.SetOption(mangos.OptionSendDeadline, cfg.SendTimeout)
		}
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("reqrep: open context: %w", err)
		}
		s.wg.Add(1)
		go s.serve(mctx)
	}
	return s, nil
}

// Handle routes endpoint to h, replacing any earlier handler.
func (s *Server) Handle(endpoint string, h Handler) {
	s.mu.Lock()
	s.handlers[endpoint] = h
	s.mu.Unlock()
}

// Listen binds addr and returns the bound address.
func (s *Server) Listen(addr string) (string, error) { return s.sock.Listen(addr) }

// Dial connects to a REQ peer that listens, in the background.
func (s *Server) Dial(addr string) error { return s.sock.Dial(addr) }

// Stats returns the socket's counters.
func (s *Server) Stats() metrics.SocketStats { return s.sock.M.Stats() }

// Close stops serving and waits for every serving goroutine, including
// handlers in progress (whose ctx it cancels).
func (s *Server) Close() error {
	s.cancel()
	err := s.sock.Close()
	s.wg.Wait()
	return err
}

func (s *Server) serve(mctx mangos.Context) {
	defer s.wg.Done()
	for {
		m, err := mctx.RecvMsg()
		if err != nil {
			if errors.Is(err, mangos.ErrClosed) {
				return
			}
			s.sock.M.Error(metrics.KindRecv)
			continue
		}
		out := s.encode(s.respond(m.Body))
		m.Free() // the request's Data aliased m; the response was copied into out
		if out == nil {
			continue
		}
		if err := s.sock.Send(mctx, out); err != nil {
			if errors.Is(err, mangos.ErrClosed) {
				return
			}
			if errors.Is(err, mangos.ErrSendTimeout) {
				s.sock.M.Dropped(1) // a peer that does not read, on a connection we dialed
			}
		}
	}
}

// respond turns one request body into its response, never failing: every
// problem becomes an error response, so the peer always hears back.
func (s *Server) respond(body []byte) *envelope.Envelope {
	req, err := s.sock.Decode(body)
	if err != nil {
		s.log.Warn("refused a malformed request", "error", err)
		return envelope.ReplyError(nil, s.cfg.Name, err)
	}
	if s.log.Enabled(s.ctx, slog.LevelDebug) {
		s.log.Debug(fmt.Sprintf("Received request %s %s from %s", req.ID, req.Endpoint, req.Sender))
	}
	s.mu.RLock()
	h := s.handlers[req.Endpoint]
	s.mu.RUnlock()
	if h == nil {
		s.sock.M.Error(metrics.KindHandler)
		return envelope.ReplyError(req, s.cfg.Name, fmt.Errorf("%w %q", ErrUnknownEndpoint, req.Endpoint))
	}
	data, err := s.call(h, req)
	if err != nil {
		s.sock.M.Error(metrics.KindHandler)
		return envelope.ReplyError(req, s.cfg.Name, err)
	}
	return req.Reply(s.cfg.Name, data)
}

func (s *Server) call(h Handler, req *envelope.Envelope) (data json.RawMessage, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("handler panicked", "endpoint", req.Endpoint, "panic", p)
			err = fmt.Errorf("%w: %v", ErrHandlerPanic, p)
		}
	}()
	ctx := s.ctx
	if s.cfg.HandlerTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.HandlerTimeout)
		defer cancel()
	}
	return h(ctx, req)
}

// encode returns the response as a message; a response that cannot be sent
// as it is (too large, or data that is not JSON) is replaced by an error
// response that says why.
func (s *Server) encode(resp *envelope.Envelope) *mangos.Message {
	m, err := s.sock.Encode("", resp)
	if err == nil {
		return m
	}
	s.log.Warn("could not send a response", "request", resp.RequestID, "error", err)
	resp.Data, resp.Error = nil, "reqrep: response not sent: "+err.Error()
	if m, err = s.sock.Encode("", resp); err != nil {
		return nil // only if the limit cannot hold an error reply at all
	}
	return m
}
