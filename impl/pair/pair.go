// Package pair connects exactly two peers, each sending to the other in order and without loss, over mangos PAIR.
package pair

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"time"

	"go.nanomsg.org/mangos/v3"
	"go.nanomsg.org/mangos/v3/protocol/pair"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/inbox"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/transport"
)

// sendSlice is the send deadline set on the socket. A blocked mangos PAIR
// send can only be interrupted by its deadline, so Send blocks in slices of
// this length and checks ctx between them.
const sendSlice = 10 * time.Millisecond

// Pair is one end of a one-to-one connection: mangos accepts a single peer
// and refuses others while it is connected. Methods are safe for concurrent
// use.
type Pair struct {
	cfg  Config
	sock *transport.Socket
	in   *inbox.Inbox
	log  *slog.Logger
	// seq is a one-slot semaphore holding the last sequence number sent by
	// SendData, so numbers go on the wire in order and a failed send does
	// not leave a gap.
	seq chan uint64
}

// New opens the PAIR socket and starts reading; then Listen or Dial.
func New(cfg Config) (*Pair, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	raw, err := pair.NewSocket()
	if err != nil {
		return nil, fmt.Errorf("pair: %w", err)
	}
	sock, err := transport.Open(raw, cfg.Name, cfg.Transport.WithLogger(cfg.Logger), cfg.Metrics)
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("pair: %w", err)
	}
	if err := raw.SetOption(mangos.OptionSendDeadline, sendSlice); err != nil {
		sock.Close()
		return nil, fmt.Errorf("pair: set send deadline: %w", err)
	}
	log := logging.Component(cfg.Logger, "messaging")
	p := &Pair{cfg: cfg, sock: sock, log: log, seq: make(chan uint64, 1)}
	p.seq <- 0
	p.in = inbox.Start(sock, inbox.Options{Buffer: cfg.Buffer, Logger: log})
	return p, nil
}

// Listen binds addr and returns the bound address.
func (p *Pair) Listen(addr string) (string, error) { return p.sock.Listen(addr) }

// Dial connects to the peer that listens, in the background.
func (p *Pair) Dial(addr string) error { return p.sock.Dial(addr) }

// Stats returns the socket's counters.
func (p *Pair) Stats() metrics.SocketStats { return p.sock.M.Stats() }

// Send queues e for the peer. PAIR never drops: with the queue
// (Transport.WriteQueue) full, or no peer connected and the queue filled,
// Send blocks until there is room, and returns ctx's error promptly (within
// about 10ms) if ctx ends first, the message then unsent. An envelope over
// the size limit is refused with an error wrapping transport.ErrTooLarge.
func (p *Pair) Send(ctx context.Context, e *envelope.Envelope) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m, err := p.sock.Encode("", e)
	if err != nil {
		return fmt.Errorf("pair: %w", err)
	}
	if err := p.sock.Send(ctxSender{ctx: ctx, sock: p.sock.Mangos()}, m); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return err
		}
		return fmt.Errorf("pair: send: %w", err)
	}
	return nil
}

// SendData sends an Event envelope for endpoint carrying data, numbered with
// this side's next Seq (1, 2, 3, ...), and returns it. Blocking is as for
// Send; a send that fails uses up no number.
func (p *Pair) SendData(ctx context.Context, endpoint string, data json.RawMessage) (*envelope.Envelope, error) {
	var last uint64
	select {
	case last = <-p.seq:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	e := envelope.New(envelope.Event, p.cfg.Name, endpoint, data)
	e.Seq = last + 1
	if err := p.Send(ctx, e); err != nil {
		p.seq <- last
		return nil, err
	}
	p.seq <- e.Seq
	return e, nil
}

// Recv returns the next message from the peer; mangos.ErrClosed once the
// pair is closed and the inbox drained; or ctx's error.
func (p *Pair) Recv(ctx context.Context) (*envelope.Envelope, error) { return p.in.Recv(ctx) }

// C is the stream of received messages; it is closed when the pair is.
func (p *Pair) C() <-chan *envelope.Envelope { return p.in.C() }

// All iterates over received messages until the pair closes or ctx ends
// (yielding ctx's error last).
func (p *Pair) All(ctx context.Context) iter.Seq2[*envelope.Envelope, error] { return p.in.All(ctx) }

// Close closes the socket, dropping what is still queued, and ends reading.
func (p *Pair) Close() error {
	p.in.Stop()
	err := p.sock.Close()
	p.in.Wait()
	return err
}

// ctxSender sends through a socket whose sends time out every sendSlice,
// retrying until the send succeeds, fails otherwise, or ctx ends.
type ctxSender struct {
	ctx  context.Context
	sock mangos.Socket
}

func (c ctxSender) SendMsg(m *mangos.Message) error {
	for {
		err := c.sock.SendMsg(m)
		if !errors.Is(err, mangos.ErrSendTimeout) {
			return err
		}
		// On ErrSendTimeout xpair has neither queued nor freed m, so it can
		// be sent again; transport.Socket.Send frees it when we give up.
		if err := c.ctx.Err(); err != nil {
			return err
		}
	}
}
