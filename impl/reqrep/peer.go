package reqrep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"go.nanomsg.org/mangos/v3"

	"github.com/nngbench/nngbench/impl/breaker"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/transport"
)

// peer is one REQ socket, its breaker, and a pool of mangos contexts, one
// per request in flight.
type peer struct {
	name   string
	sock   *transport.Socket
	br     *breaker.Breaker
	pool   chan *slot   // idle contexts; its capacity is MaxInFlight
	opened atomic.Int32 // contexts that exist, idle or busy
}

type slot struct {
	ctx     mangos.Context
	timeout time.Duration // the deadlines now set on ctx
}

func (p *peer) acquire(ctx context.Context) (*slot, error) {
	select {
	case s := <-p.pool:
		return s, nil
	default:
	}
	if p.opened.Add(1) <= int32(cap(p.pool)) {
		mctx, err := p.sock.Mangos().OpenContext()
		if err != nil {
			p.opened.Add(-1)
			return nil, fmt.Errorf("reqrep: %s: %w", p.name, err)
		}
		return &slot{ctx: mctx}, nil
	}
	p.opened.Add(-1)
	select {
	case s := <-p.pool:
		return s, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// release returns s for reuse; it never blocks, as at most cap(pool) exist.
func (p *peer) release(s *slot) { p.pool <- s }

// discard drops a context that may be closed or in an unknown state.
func (p *peer) discard(s *slot) {
	_ = s.ctx.Close()
	p.opened.Add(-1)
}

// setTimeout bounds the wait for the reply. Sends are best effort (see
// newPeer), so this one deadline covers the whole attempt, including
// waiting for a connection.
func (s *slot) setTimeout(d time.Duration) error {
	if s.timeout == d {
		return nil
	}
	if err := s.ctx.SetOption(mangos.OptionRecvDeadline, d); err != nil {
		return err
	}
	s.timeout = d
	return nil
}

// roundTrip makes one attempt: encode, ask the breaker, send, wait.
func (c *Client) roundTrip(ctx context.Context, p *peer, request *envelope.Envelope) (*envelope.Envelope, error) {
	timeout := c.cfg.Timeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	if err := ctx.Err(); err != nil || timeout <= 0 {
		return nil, cmp(err, context.DeadlineExceeded)
	}
	m, err := p.sock.Encode("", request)
	if err != nil {
		return nil, err
	}
	if err := p.br.Allow(); err != nil {
		m.Free()
		p.sock.M.Error(metrics.KindBreakerOpen)
		return nil, err
	}
	s, err := p.acquire(ctx)
	if err == nil {
		err = s.setTimeout(timeout)
	}
	if err != nil {
		m.Free()
		p.br.Failure() // the admitted request must be accounted for, or a half-open probe is never released
		return nil, err
	}
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { _ = s.ctx.Close() })
	}
	start := time.Now()
	if c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.Debug(fmt.Sprintf("Sent request %s to %s", request.ID, p.name))
	}
	var reply *mangos.Message
	if err = p.sock.Send(s.ctx, m); err == nil {
		reply, err = s.ctx.RecvMsg()
	}
	if stop != nil && !stop() {
		p.discard(s) // ctx ended and closed (or is closing) this context
		if err != nil {
			err = ctx.Err()
		}
	} else {
		p.release(s)
	}
	resp, err := c.finish(p, request, reply, err, timeout, start)
	c.account(p, err)
	return resp, err
}

// account tells the breaker how the admitted attempt went.
func (c *Client) account(p *peer, err error) {
	switch {
	case err == nil, errors.Is(err, ErrRemote):
		p.br.Success() // the peer answered: it is alive
	case retryable(err), errors.Is(err, ErrBadResponse):
		p.br.Failure()
	default:
		// Cancelled by the caller or the client closed: that says nothing of
		// the peer, but a half-open probe must still be released.
		if p.br.State() == breaker.HalfOpen {
			p.br.Failure()
		}
	}
}

func (c *Client) finish(p *peer, request *envelope.Envelope, reply *mangos.Message, err error, timeout time.Duration, start time.Time) (*envelope.Envelope, error) {
	switch {
	case err == nil:
	case errors.Is(err, mangos.ErrRecvTimeout), errors.Is(err, mangos.ErrSendTimeout):
		p.sock.M.Error(metrics.KindTimeout)
		return nil, fmt.Errorf("%w: %s %s: no reply within %v", ErrTimeout, p.name, request.Endpoint, timeout)
	case errors.Is(err, mangos.ErrCanceled):
		// mangos cancels a request whose connection went away, as resend is
		// off; the retry policy decides whether to send it again.
		p.sock.M.Error(metrics.KindRecv)
		return nil, fmt.Errorf("%w: %s %s", ErrConnLost, p.name, request.Endpoint)
	case errors.Is(err, mangos.ErrClosed):
		return nil, ErrClosed
	default:
		return nil, err
	}
	resp, err := p.sock.DecodeMessage(reply, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadResponse, p.name, err)
	}
	if resp.RequestID != request.ID && resp.RequestID != "" {
		return nil, fmt.Errorf("%w: %s answered %s to %s", ErrBadResponse, p.name, resp.RequestID, request.ID)
	}
	latency := time.Since(start)
	p.sock.M.ObserveLatency(latency)
	if c.log.Enabled(context.Background(), slog.LevelDebug) {
		c.log.Debug(fmt.Sprintf("Received response for %s (latency: %v)", request.ID, latency.Round(time.Microsecond)))
	}
	if resp.Error != "" {
		p.sock.M.Error(metrics.KindRemote)
		return resp, &RemoteError{Peer: p.name, Endpoint: request.Endpoint, Msg: resp.Error}
	}
	return resp, nil
}

// cmp returns the first non-nil error.
func cmp(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
