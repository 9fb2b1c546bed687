// Package inbox turns a receiving socket into a stream of envelopes: one
// goroutine reads and decodes, and callers take messages with Recv (which
// honours a context), a channel, or an iterator. Subscriber, puller, bus and
// pair share it.
package inbox

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"sync"

	"go.nanomsg.org/mangos/v3"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/transport"
)

// Options configure an inbox.
type Options struct {
	// Buffer is how many decoded messages wait for the caller; default 1024.
	// When it is full the reader stops reading, so mangos' own queue fills
	// and the protocol's flow control (or dropping, for pub/sub) applies.
	Buffer int
	// Frame strips framing (a pub/sub topic) off a body before decoding and
	// returns the rest, a suffix of body; nil decodes the body as is.
	Frame func(body []byte) ([]byte, error)
	// Accept sees each decoded envelope, with the framing Frame stripped
	// off it, before it is queued, and may refuse it (a duplicate, say);
	// nil accepts all. frame is valid only during the call.
	Accept func(e *envelope.Envelope, frame []byte) bool
	Logger *slog.Logger
}

// Inbox is the receiving side of a socket.
type Inbox struct {
	sock     *transport.Socket
	opts     Options
	ch       chan *envelope.Envelope
	done     chan struct{}
	finished chan struct{} // closed when the reader has returned
	once     sync.Once
}

// Start begins reading from s. The reader stops when s is closed.
func Start(s *transport.Socket, o Options) *Inbox {
	if o.Buffer <= 0 {
		o.Buffer = 1024
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	in := &Inbox{sock: s, opts: o, ch: make(chan *envelope.Envelope, o.Buffer),
		done: make(chan struct{}), finished: make(chan struct{})}
	go in.read()
	return in
}

func (in *Inbox) read() {
	defer close(in.finished)
	defer close(in.ch)
	sock := in.sock.Mangos()
	for {
		m, err := sock.RecvMsg()
		if err != nil {
			if errors.Is(err, mangos.ErrClosed) {
				return
			}
			in.sock.M.Error(metrics.KindRecv)
			continue
		}
		e := in.take(m)
		if e == nil {
			continue
		}
		select {
		case in.ch <- e:
		case <-in.done:
			return
		}
	}
}

// take decodes m into an envelope that owns its data and offers it to
// Accept; nil when m is refused. m goes back to mangos' pool: copying the
// payload out is cheaper than keeping the pooled buffer alive.
func (in *Inbox) take(m *mangos.Message) *envelope.Envelope {
	defer m.Free()
	body, frame := m.Body, []byte(nil)
	if in.opts.Frame != nil {
		rest, err := in.opts.Frame(body)
		if err != nil {
			in.sock.M.Received(len(body))
			in.sock.M.Error(metrics.KindDecode)
			in.opts.Logger.Warn("dropped a message with bad framing", logging.BadInput, "socket", in.sock.M.Name(), "error", err)
			return nil
		}
		frame, body = body[:len(body)-len(rest)], rest
	}
	e, err := in.sock.Decode(body)
	if err != nil {
		in.opts.Logger.Warn("dropped a message that is not an envelope", logging.BadInput, "socket", in.sock.M.Name(), "error", err)
		return nil
	}
	if e.Data != nil {
		e.Data = append(make([]byte, 0, len(e.Data)), e.Data...)
	}
	if in.opts.Accept != nil && !in.opts.Accept(e, frame) {
		return nil
	}
	return e
}

// Stop makes the reader give up a message it is blocked handing over; the
// caller closes the socket, which ends the reader.
func (in *Inbox) Stop() { in.once.Do(func() { close(in.done) }) }

// Wait blocks until the reader has returned, which it does once the socket
// is closed (and, if it was handing a message over, Stop was called).
func (in *Inbox) Wait() { <-in.finished }

// C is the stream of received envelopes; it is closed when the socket is.
func (in *Inbox) C() <-chan *envelope.Envelope { return in.ch }

// Recv returns the next envelope, or mangos.ErrClosed once the socket is
// closed and the buffer empty, or ctx's error.
func (in *Inbox) Recv(ctx context.Context) (*envelope.Envelope, error) {
	select {
	case e, ok := <-in.ch:
		if !ok {
			return nil, mangos.ErrClosed
		}
		return e, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// All iterates over received envelopes until the socket closes (ending
// quietly) or ctx ends (yielding ctx's error last).
func (in *Inbox) All(ctx context.Context) iter.Seq2[*envelope.Envelope, error] {
	return func(yield func(*envelope.Envelope, error) bool) {
		for {
			e, err := in.Recv(ctx)
			if errors.Is(err, mangos.ErrClosed) {
				return
			}
			if !yield(e, err) || err != nil {
				return
			}
		}
	}
}
