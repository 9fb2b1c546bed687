// Package transport is the one place where impl talks to mangos about
// addresses, socket options and TLS: every pattern opens its socket through
// Open, and sends and receives envelopes through the returned Socket, which
// enforces the message size limit and keeps the socket's metrics.
package transport

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.nanomsg.org/mangos/v3"

	// The transports nngbench supports; each registers itself with mangos.
	_ "go.nanomsg.org/mangos/v3/transport/inproc"
	_ "go.nanomsg.org/mangos/v3/transport/ipc"
	_ "go.nanomsg.org/mangos/v3/transport/tcp"
	_ "go.nanomsg.org/mangos/v3/transport/tlstcp"
	_ "go.nanomsg.org/mangos/v3/transport/ws"
	_ "go.nanomsg.org/mangos/v3/transport/wss"
)

// DefaultMaxMessageSize is max_message_size_mb's default, 64 MiB.
const DefaultMaxMessageSize = 64 << 20

// Errors of this package.
var (
	ErrTooLarge  = errors.New("transport: message too large")
	ErrNeedsTLS  = errors.New("transport: address needs a TLS config")
	ErrBadScheme = errors.New("transport: unsupported address scheme")
)

// Schemes are the address schemes nngbench supports.
var Schemes = []string{"tcp", "tls+tcp", "ipc", "inproc", "ws", "wss"}

// Options configure a socket. The zero value takes the defaults.
type Options struct {
	// MaxMessageSize is the largest message body, in bytes, that is sent or
	// accepted; default 64 MiB. A received message up to twice this size is
	// read and refused with ErrTooLarge (a REP replies with an error), so the
	// connection survives; anything larger is cut off by mangos, which drops
	// the connection rather than buffer it.
	MaxMessageSize int
	// TLS is used by tls+tcp:// and wss:// addresses; required for them. It
	// is the listener's config, and the dialer's too unless DialTLS is set.
	TLS *tls.Config
	// DialTLS is the dialer's config, for a socket that both listens and
	// dials (a bus node): client and server configs differ.
	DialTLS *tls.Config
	// ReconnectTime is the first redial delay after a lost connection;
	// default 100ms. It doubles up to MaxReconnectTime.
	ReconnectTime time.Duration
	// MaxReconnectTime caps the redial delay; default 5s.
	MaxReconnectTime time.Duration
	// ReadQueue and WriteQueue are mangos' queue lengths in messages;
	// 0 keeps mangos' default (128). WriteQueue also bounds, in messages,
	// what a connection our listener accepted queues for a peer on the
	// protocols that drop (pub, rep, surveyor, respondent, bus).
	ReadQueue, WriteQueue int

	// The bounds below hold on the connections our tcp, tls+tcp and ipc
	// listeners accept, which is where a peer nobody chose arrives.

	// Budget bounds the bytes of frames over 64 KiB being received, across
	// every connection that shares it; nil shares the process's
	// (ProcessBudget: DefaultReceiveBudget, grown to twice the largest
	// MaxMessageSize).
	Budget *Budget
	// FrameTimeout cuts off (closes the connection of) a frame whose bytes
	// stop arriving for this long, and a frame over 64 KiB not complete
	// within this long plus its size at 1 MiB/s; default 10s, as for a
	// silent handshake.
	FrameTimeout time.Duration
	// SendTimeout disconnects a peer when a send to it makes no progress for
	// this long; default 10s.
	SendTimeout time.Duration
	// PeerQueueBytes bounds the bytes queued for one peer on the protocols
	// that drop; a message that does not fit is dropped and counted for
	// that peer (one message always fits an empty queue). Default 8 MiB.
	PeerQueueBytes int
	// Logger receives refused TLS peers, cut frames and stalled peers;
	// nil discards.
	Logger *slog.Logger
}

// Defaults of the Options above.
const (
	DefaultFrameTimeout   = 10 * time.Second
	DefaultSendTimeout    = 10 * time.Second
	DefaultPeerQueueBytes = 8 << 20
	defaultPeerQueueLen   = 128  // mangos' own queue length
	burstQueueLen         = 1024 // mangos' queue on pub, surveyor, respondent, bus: see configure
)

// WithDefaults fills the zero fields.
func (o Options) WithDefaults() Options {
	if o.MaxMessageSize == 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	if o.ReconnectTime == 0 {
		o.ReconnectTime = 100 * time.Millisecond
	}
	if o.MaxReconnectTime == 0 {
		o.MaxReconnectTime = 5 * time.Second
	}
	if o.FrameTimeout == 0 {
		o.FrameTimeout = DefaultFrameTimeout
	}
	if o.SendTimeout == 0 {
		o.SendTimeout = DefaultSendTimeout
	}
	if o.PeerQueueBytes == 0 {
		o.PeerQueueBytes = DefaultPeerQueueBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// WithLogger returns o with Logger set to l unless it is set already: a
// pattern hands its own logger down.
func (o Options) WithLogger(l *slog.Logger) Options {
	if o.Logger == nil {
		o.Logger = l
	}
	return o
}

// Validate reports every problem, naming the field.
func (o Options) Validate() error {
	var errs []error
	if o.MaxMessageSize < 0 {
		errs = append(errs, errors.New("transport: max_message_size: must be > 0"))
	}
	if o.ReconnectTime < 0 {
		errs = append(errs, errors.New("transport: reconnect_time: must be >= 0"))
	}
	if o.MaxReconnectTime != 0 && o.MaxReconnectTime < o.ReconnectTime {
		errs = append(errs, errors.New("transport: max_reconnect_time: must be >= reconnect_time"))
	}
	if o.ReadQueue < 0 || o.WriteQueue < 0 {
		errs = append(errs, errors.New("transport: queue lengths: must be >= 0"))
	}
	if o.FrameTimeout < 0 {
		errs = append(errs, errors.New("transport: frame_timeout: must be >= 0"))
	}
	if o.SendTimeout < 0 {
		errs = append(errs, errors.New("transport: send_timeout: must be >= 0"))
	}
	if o.PeerQueueBytes < 0 {
		errs = append(errs, errors.New("transport: peer_queue_bytes: must be >= 0"))
	}
	return errors.Join(errs...)
}

// Scheme returns the scheme of addr ("tcp" for "tcp://127.0.0.1:5555"),
// or an error wrapping ErrBadScheme.
func Scheme(addr string) (string, error) {
	scheme, _, ok := strings.Cut(addr, "://")
	if ok {
		for _, s := range Schemes {
			if s == scheme {
				return scheme, nil
			}
		}
	}
	return "", fmt.Errorf("%w: %q (want one of %s)", ErrBadScheme, addr, strings.Join(Schemes, ", "))
}

// CheckSize returns an error wrapping ErrTooLarge when n bytes exceed limit.
func CheckSize(n, limit int) error {
	if n > limit {
		return fmt.Errorf("%w: %d bytes exceeds max_message_size of %d bytes", ErrTooLarge, n, limit)
	}
	return nil
}

// configure sets the socket-level options that must precede any dial or
// listen. Every SetOption error is returned: a silently ignored option is
// how a benchmark ends up measuring something else.
func configure(s mangos.Socket, o Options) error {
	set := func(name string, v any) error {
		if err := s.SetOption(name, v); err != nil {
			return fmt.Errorf("transport: set %s=%v: %w", name, v, err)
		}
		return nil
	}
	if err := set(mangos.OptionMaxRecvSize, 2*o.MaxMessageSize); err != nil {
		return err
	}
	if err := set(mangos.OptionReconnectTime, o.ReconnectTime); err != nil {
		return err
	}
	if err := set(mangos.OptionMaxReconnectTime, o.MaxReconnectTime); err != nil {
		return err
	}
	// Queue lengths exist only on some protocols; others refuse the option,
	// which is fine where it was not asked for.
	if o.ReadQueue > 0 {
		if err := set(mangos.OptionReadQLen, o.ReadQueue); err != nil {
			return err
		}
	}
	wq := o.WriteQueue
	if self := s.Info().Self; wq == 0 && lossy(self) && self != mangos.ProtoRep {
		// mangos' own per-connection queue drops, uncounted, what a burst
		// sends faster than its sender goroutine hands it to ours; ours
		// (PeerQueueBytes, defaultPeerQueueLen) is where a peer that does
		// not read should lose messages, counted.
		wq = burstQueueLen
	}
	if wq > 0 {
		if err := set(mangos.OptionWriteQLen, wq); err != nil {
			return err
		}
	}
	return nil
}
