package transport

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.nanomsg.org/mangos/v3"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/metrics"
)

// Socket is a mangos socket with its options and metrics. Patterns send and
// receive envelopes through it; it is safe for concurrent use as far as the
// underlying protocol is.
type Socket struct {
	sock  mangos.Socket
	opts  Options
	M     *metrics.Socket // never nil after Open
	reg   *metrics.Registry
	tls   *tls.Config // opts.TLS with refusals counted
	dtls  *tls.Config // opts.DialTLS (or TLS) with refusals counted
	pipe  pipeConfig  // what the listeners give the connections they accept
	close sync.Once

	mu        sync.Mutex
	listeners []mangos.Listener
}

// Open configures sock with o (after WithDefaults and Validate) and counts
// its traffic in reg under name. reg may be nil: the socket then keeps
// counters that nothing exports.
func Open(sock mangos.Socket, name string, o Options, reg *metrics.Registry) (*Socket, error) {
	o = o.WithDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if err := configure(sock, o); err != nil {
		return nil, err
	}
	if reg == nil {
		reg = metrics.NewRegistry()
	}
	s := &Socket{sock: sock, opts: o, reg: reg, M: reg.Socket(name, sock.Info().SelfName)}
	s.pipe = pipeConfigOf(o, s.M)
	sock.SetPipeEventHook(func(ev mangos.PipeEvent, _ mangos.Pipe) {
		switch ev {
		case mangos.PipeEventAttached:
			s.M.ConnUp()
		case mangos.PipeEventDetached:
			s.M.ConnDown()
		}
	})
	if o.TLS != nil {
		s.tls = countRefusals(o.TLS, s.M, nil, "")
		s.dtls = o.TLS
	}
	if o.DialTLS != nil {
		s.dtls = o.DialTLS
	}
	return s, nil
}

// countRefusals wraps the config's VerifyConnection (where tlsconf puts peer
// verification) so that every refused peer is counted, and, on a dialer
// (log not nil), logged with the address dialed and the reason. A listener
// logs its refusals where the peer's address is known (listener.negotiate).
func countRefusals(cfg *tls.Config, m *metrics.Socket, log *slog.Logger, addr string) *tls.Config {
	cfg = cfg.Clone()
	if verify := cfg.VerifyConnection; verify != nil {
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			err := verify(cs)
			if err != nil {
				m.Error(metrics.KindTLS)
				if log != nil {
					log.Warn("refused a TLS peer", "peer", addr, "reason", err.Error())
				}
			}
			return err
		}
	}
	return cfg
}

// Mangos returns the underlying socket, for protocol-specific options.
func (s *Socket) Mangos() mangos.Socket { return s.sock }

// Options returns the options in force.
func (s *Socket) Options() Options { return s.opts }

func addrOptions(addr string, cfg *tls.Config) (map[string]any, error) {
	scheme, err := Scheme(addr)
	if err != nil {
		return nil, err
	}
	opts := map[string]any{}
	if scheme == "tls+tcp" || scheme == "wss" {
		if cfg == nil {
			return nil, fmt.Errorf("%w: %s", ErrNeedsTLS, addr)
		}
		opts[mangos.OptionTLSConfig] = cfg
	}
	return opts, nil
}

// Listen binds addr and returns the bound address, with the real port when
// addr asked for port 0.
func (s *Socket) Listen(addr string) (string, error) {
	opts, err := addrOptions(addr, s.tls)
	if err != nil {
		return "", err
	}
	if mapped := listenAddr(addr); mapped != addr {
		opts[optPipeConfig] = s.pipe
	}
	l, err := s.sock.NewListener(listenAddr(addr), opts)
	if err != nil {
		return "", fmt.Errorf("transport: listen %s: %w", addr, err)
	}
	if err := l.Listen(); err != nil {
		return "", fmt.Errorf("transport: listen %s: %w", addr, err)
	}
	s.mu.Lock()
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	bound := l.Address()
	s.M.AddAddress(bound)
	return bound, nil
}

// Dial connects to addr in the background: it returns at once, and mangos
// keeps redialling (ReconnectTime backoff) until the peer is there and after
// every loss.
func (s *Socket) Dial(addr string) error {
	var cfg *tls.Config
	if s.dtls != nil {
		cfg = countRefusals(s.dtls, s.M, s.opts.Logger, addr)
	}
	opts, err := addrOptions(addr, cfg)
	if err != nil {
		return err
	}
	opts[mangos.OptionDialAsynch] = true
	if err := s.sock.DialOptions(addr, opts); err != nil {
		return fmt.Errorf("transport: dial %s: %w", addr, err)
	}
	s.M.AddAddress(addr)
	return nil
}

// Close closes the socket (dropping what mangos still has queued) and
// removes its metrics. It is safe to call more than once.
func (s *Socket) Close() error {
	var err error
	s.close.Do(func() {
		s.mu.Lock()
		ls := s.listeners
		s.mu.Unlock()
		for _, l := range ls { // see listener.settle
			_ = l.Close()
			if v, gerr := l.GetOption(optListener); gerr == nil {
				v.(*listener).settle(settleTimeout)
			}
		}
		err = s.sock.Close()
		s.reg.Remove(s.M)
	})
	return err
}

// Encode puts prefix (a pub/sub topic, or nothing) and e into a pooled
// mangos message, refusing one over MaxMessageSize before anything is sent.
func (s *Socket) Encode(prefix string, e *envelope.Envelope) (*mangos.Message, error) {
	m := mangos.NewMessage(len(prefix) + 192 + len(e.Data) + len(e.Error))
	m.Body = append(m.Body[:0], prefix...)
	var err error
	if m.Body, err = e.AppendJSON(m.Body); err != nil {
		m.Free()
		return nil, err
	}
	if err := CheckSize(len(m.Body), s.opts.MaxMessageSize); err != nil {
		m.Free()
		s.M.Error(metrics.KindOversize)
		return nil, err
	}
	return m, nil
}

// Sender is a socket or a mangos context.
type Sender interface{ SendMsg(*mangos.Message) error }

// Send sends m through via (the socket itself when via is nil) and counts
// it. On error m is freed and the error counted.
func (s *Socket) Send(via Sender, m *mangos.Message) error {
	if via == nil {
		via = s.sock
	}
	n := len(m.Body)
	if err := via.SendMsg(m); err != nil {
		m.Free()
		if !errors.Is(err, mangos.ErrClosed) {
			s.M.Error(metrics.KindSend)
		}
		return err
	}
	s.M.Sent(n)
	return nil
}

// DecodeMessage decodes m's body (after skip bytes of framing) into an
// envelope that owns its Data, and frees m back to mangos' pool. Copying the
// payload out is cheaper than keeping the pooled buffer, which is sized for
// the largest message of its class and would leave the pool empty.
func (s *Socket) DecodeMessage(m *mangos.Message, skip int) (*envelope.Envelope, error) {
	e, err := s.Decode(m.Body[skip:])
	if e != nil && e.Data != nil {
		e.Data = append(make([]byte, 0, len(e.Data)), e.Data...)
	}
	m.Free()
	return e, err
}

// Decode checks body's size and decodes it, counting the message and, for
// events and tasks, observing its age. The envelope's Data aliases body.
func (s *Socket) Decode(body []byte) (*envelope.Envelope, error) {
	s.M.Received(len(body))
	if err := CheckSize(len(body), s.opts.MaxMessageSize); err != nil {
		s.M.Error(metrics.KindOversize)
		return nil, err
	}
	e := new(envelope.Envelope)
	if err := envelope.Decode(body, e); err != nil {
		s.M.Error(metrics.KindDecode)
		return nil, err
	}
	if e.Type == envelope.Event || e.Type == envelope.Task {
		s.M.ObserveAge(time.Since(e.Timestamp))
	}
	return e, nil
}
