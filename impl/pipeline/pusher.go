package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"go.nanomsg.org/mangos/v3"
	"go.nanomsg.org/mangos/v3/protocol"
	"go.nanomsg.org/mangos/v3/protocol/xpush"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/transport"
)

// Pusher sends each envelope to one ready puller, round robin. Mangos has
// no linger, so call Drain before Close to lose nothing.
type Pusher struct {
	name  string
	sock  *transport.Socket
	t     *tracker
	seq   atomic.Uint64 // last PushTask sequence number
	log   *slog.Logger
	close sync.Once
}

// NewPusher opens a PUSH socket; call Listen or Dial next.
func NewPusher(cfg PusherConfig) (*Pusher, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t := newTracker()
	ms := protocol.MakeSocket(newCountingProto(xpush.NewProtocol(), t))
	sock, err := transport.Open(ms, cfg.Name, cfg.Transport.WithLogger(cfg.Logger), cfg.Metrics)
	if err != nil {
		_ = ms.Close()
		return nil, fmt.Errorf("pipeline: open %s: %w", cfg.Name, err)
	}
	// Admitting no more than the write queue holds is what keeps sends
	// from blocking (see tracker).
	qlen, err := writeQueueLen(ms)
	if err != nil {
		_ = sock.Close()
		return nil, err
	}
	// No pipe exists and no push runs before Listen or Dial, so nothing
	// reads these yet.
	t.setLimit(qlen)
	t.m = sock.M
	return &Pusher{name: cfg.Name, sock: sock, t: t, log: cfg.Logger}, nil
}

func writeQueueLen(s mangos.Socket) (int, error) {
	v, err := s.GetOption(mangos.OptionWriteQLen)
	n, ok := v.(int)
	if err != nil || !ok || n < 1 {
		return 0, fmt.Errorf("pipeline: write queue length %v: %w", v, errors.Join(err, mangos.ErrBadValue))
	}
	return n, nil
}

// Listen binds addr and returns the bound address (with the real port when
// addr asked for port 0).
func (p *Pusher) Listen(addr string) (string, error) {
	bound, err := p.sock.Listen(addr)
	if err == nil {
		p.log.Debug("pusher listening", "socket", p.name, "addr", bound)
	}
	return bound, err
}

// Dial connects to a listening puller in the background, redialling after
// every loss.
func (p *Pusher) Dial(addr string) error { return p.sock.Dial(addr) }

// Push encodes e and hands it to mangos, returning once mangos has queued
// it. When WriteQueue messages are queued or being written (no puller
// ready), it waits until half of them have been written, and returns ctx's
// error as soon as ctx ends.
func (p *Pusher) Push(ctx context.Context, e *envelope.Envelope) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pipeline: push: %w", err)
	}
	m, err := p.sock.Encode("", e)
	if err != nil {
		return fmt.Errorf("pipeline: push: %w", err)
	}
	if err := p.t.acquire(ctx); err != nil {
		m.Free()
		p.sock.M.Error(metrics.KindSend)
		return fmt.Errorf("pipeline: push: %w", err)
	}
	// Admitted, so the queue has room and this send does not block.
	if err := p.sock.Send(nil, m); err != nil {
		p.t.settle()
		return fmt.Errorf("pipeline: push: %w", err)
	}
	return nil
}

// PushTask pushes data as a Task to endpoint, stamped with this pusher's
// next sequence number (1, 2, 3, ...), and returns the envelope pushed. A
// push that fails uses its number up, so pushes racing each other need no
// lock.
func (p *Pusher) PushTask(ctx context.Context, endpoint string, data json.RawMessage) (*envelope.Envelope, error) {
	e := envelope.New(envelope.Task, p.name, endpoint, data)
	e.Seq = p.seq.Add(1)
	if err := p.Push(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// Drain waits until every message Push accepted (including those accepted
// while it waits) has been written to a connection, so that Close right
// after loses nothing. Messages whose connection failed while writing them
// are counted as dropped, and Drain then returns an error wrapping ErrLost
// that says how many were lost since the previous Drain. If ctx ends or the
// pusher is closed first, the error wraps ErrNotDrained.
func (p *Pusher) Drain(ctx context.Context) error { return p.t.drain(ctx) }

// Close closes the socket, dropping whatever mangos still has queued.
func (p *Pusher) Close() error {
	p.close.Do(p.t.close)
	return p.sock.Close()
}
