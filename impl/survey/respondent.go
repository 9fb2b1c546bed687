package survey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"go.nanomsg.org/mangos/v3"
	"go.nanomsg.org/mangos/v3/protocol/respondent"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/transport"
)

// Errors a respondent puts in error replies.
var (
	ErrHandlerPanic = errors.New("survey: handler panicked")
	ErrNotRequest   = errors.New("survey: not a request")
)

// Handler answers one survey. The data it returns is the reply payload; an
// error (or a panic) becomes an error reply. ctx ends when the Respondent
// closes; the surveyor's deadline is not known here, so a handler slower
// than it answers in vain.
type Handler func(ctx context.Context, req *envelope.Envelope) (json.RawMessage, error)

// Respondent answers surveys on a RESPONDENT socket.
type Respondent struct {
	cfg    RespondentConfig
	h      Handler
	sock   *transport.Socket
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewRespondent opens the RESPONDENT socket and starts Concurrency serving
// goroutines; then Dial (or Listen).
func NewRespondent(cfg RespondentConfig, h Handler) (*Respondent, error) {
	cfg = cfg.WithDefaults()
	err := cfg.Validate()
	if h == nil {
		err = errors.Join(err, invalid("handler", "required"))
	}
	if err != nil {
		return nil, err
	}
	raw, err := respondent.NewSocket()
	if err != nil {
		return nil, fmt.Errorf("survey: %w", err)
	}
	sock, err := transport.Open(raw, cfg.Name, cfg.Transport.WithLogger(cfg.Logger), cfg.Metrics)
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("survey: %w", err)
	}
	r := &Respondent{cfg: cfg, h: h, sock: sock, log: logging.Component(cfg.Logger, "messaging")}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	for range cfg.Concurrency {
		mc, err := raw.OpenContext()
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("survey: open context: %w", err)
		}
		r.wg.Go(func() { r.serve(mc) })
	}
	return r, nil
}

// Listen binds addr and returns the bound address.
func (r *Respondent) Listen(addr string) (string, error) { return r.sock.Listen(addr) }

// Dial connects to a surveyor that listens, in the background.
func (r *Respondent) Dial(addr string) error { return r.sock.Dial(addr) }

// Stats returns the socket's counters.
func (r *Respondent) Stats() metrics.SocketStats { return r.sock.M.Stats() }

// Close stops serving, cancels the ctx of handlers in progress and waits for
// every serving goroutine.
func (r *Respondent) Close() error {
	r.cancel()
	err := r.sock.Close()
	r.wg.Wait()
	return err
}

func (r *Respondent) serve(mc mangos.Context) {
	for {
		m, err := mc.RecvMsg()
		if err != nil {
			if errors.Is(err, mangos.ErrClosed) {
				return
			}
			r.sock.M.Error(metrics.KindRecv)
			continue
		}
		out := r.encode(r.respond(m))
		if out == nil {
			continue
		}
		if err := r.sock.Send(mc, out); err != nil {
			if errors.Is(err, mangos.ErrClosed) {
				return
			}
			r.log.Warn("could not send a survey reply", "socket", r.cfg.Name, "error", err)
		}
	}
}

// respond turns one survey into its reply, never failing: every problem
// becomes an error reply, so the surveyor hears why.
func (r *Respondent) respond(m *mangos.Message) (req, reply *envelope.Envelope) {
	req, err := r.sock.Decode(m.Body)
	if err != nil {
		m.Free() // nothing aliases the body of a message that did not decode
		r.log.Warn("refused a malformed survey", "socket", r.cfg.Name, "error", err)
		return nil, envelope.ReplyError(nil, r.cfg.Name, err)
	}
	// req.Data aliases m.Body, so m is left to the garbage collector.
	if r.log.Enabled(r.ctx, slog.LevelDebug) {
		r.log.Debug(fmt.Sprintf("Received survey %s %s from %s", req.ID, req.Endpoint, req.Sender))
	}
	if req.Type != envelope.Request {
		return req, envelope.ReplyError(req, r.cfg.Name, fmt.Errorf("%w: %s", ErrNotRequest, req.Type))
	}
	data, err := r.call(req)
	if err != nil {
		r.sock.M.Error(metrics.KindHandler)
		return req, envelope.ReplyError(req, r.cfg.Name, err)
	}
	return req, req.Reply(r.cfg.Name, data)
}

func (r *Respondent) call(req *envelope.Envelope) (data json.RawMessage, err error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("survey handler panicked", "socket", r.cfg.Name, "endpoint", req.Endpoint, "panic", p)
			err = fmt.Errorf("%w: %v", ErrHandlerPanic, p)
		}
	}()
	return r.h(r.ctx, req)
}

// encode encodes reply; a reply that cannot go out (payload too large or not
// JSON) is replaced by an error reply saying so. nil means give up.
func (r *Respondent) encode(req, reply *envelope.Envelope) *mangos.Message {
	m, err := r.sock.Encode("", reply)
	if err == nil {
		return m
	}
	r.log.Warn("replaced an unsendable survey reply", "socket", r.cfg.Name, "error", err)
	if m, err = r.sock.Encode("", envelope.ReplyError(req, r.cfg.Name, err)); err != nil {
		r.sock.M.Error(metrics.KindSend)
		return nil
	}
	return m
}
