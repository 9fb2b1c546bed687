package pipeline

import (
	"context"
	"fmt"
	"iter"
	"sync"

	"go.nanomsg.org/mangos/v3/protocol/pull"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/inbox"
	"github.com/nngbench/nngbench/impl/transport"
)

// Puller receives the envelopes pushers hand it.
type Puller struct {
	sock  *transport.Socket
	in    *inbox.Inbox
	close sync.Once
}

// NewPuller opens a PULL socket and starts reading; call Dial or Listen
// next.
func NewPuller(cfg PullerConfig) (*Puller, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ms, err := pull.NewSocket()
	if err != nil {
		return nil, fmt.Errorf("pipeline: new pull socket: %w", err)
	}
	sock, err := transport.Open(ms, cfg.Name, cfg.Transport.WithLogger(cfg.Logger), cfg.Metrics)
	if err != nil {
		_ = ms.Close()
		return nil, fmt.Errorf("pipeline: open %s: %w", cfg.Name, err)
	}
	in := inbox.Start(sock, inbox.Options{Buffer: cfg.Buffer, Logger: cfg.Logger})
	return &Puller{sock: sock, in: in}, nil
}

// Dial connects to a pusher in the background, redialling after every loss.
func (p *Puller) Dial(addr string) error { return p.sock.Dial(addr) }

// Listen binds addr for pushers to dial and returns the bound address.
func (p *Puller) Listen(addr string) (string, error) { return p.sock.Listen(addr) }

// Recv returns the next envelope, mangos.ErrClosed after Close, or ctx's
// error.
func (p *Puller) Recv(ctx context.Context) (*envelope.Envelope, error) { return p.in.Recv(ctx) }

// C is the stream of received envelopes; it is closed by Close.
func (p *Puller) C() <-chan *envelope.Envelope { return p.in.C() }

// All iterates over received envelopes until Close (ending quietly) or
// until ctx ends (yielding ctx's error last).
func (p *Puller) All(ctx context.Context) iter.Seq2[*envelope.Envelope, error] {
	return p.in.All(ctx)
}

// Close closes the socket and returns once the reader goroutine has ended.
// Envelopes already buffered can still be received; then Recv returns
// mangos.ErrClosed and C is closed.
func (p *Puller) Close() error {
	var err error
	p.close.Do(func() {
		p.in.Stop()
		err = p.sock.Close()
		p.in.Wait()
	})
	return err
}
