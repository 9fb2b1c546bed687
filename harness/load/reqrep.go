package load

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.nanomsg.org/mangos/v3"
)

// runReqRep drives request/reply: each sender owns a REQ context with one request in flight;
// the peers echo. Latency is reply receipt minus intended send (open loop), or, closed loop,
// minus actual send with the stall correction of ReceivedClosedLoop.
func runReqRep(ctx context.Context, spec Spec, w *wiring) (*Outcome, error) {
	// A resent request would be answered twice: duplicates the harness made itself.
	if err := w.hub.SetOption(mangos.OptionRetryTime, time.Duration(0)); err != nil {
		return nil, err
	}
	// As many echoes as requests can be in flight.
	echoes, err := serveContexts(w, spec.Concurrency, func(c mangos.Context, _ int) { echo(c) })
	if err != nil {
		return nil, err
	}
	c := newClock(spec)
	senders := runSenders(ctx, spec, c, func(ctx context.Context, s *sender, src source) {
		request(ctx, s, src, w.hub, spec, c.window)
	})
	// Every request has had its reply or timed out: nothing is in flight to drain.
	w.close()
	echoes()
	var errs []error
	for _, r := range w.reports() { // the repliers' own logs add nothing: replies are timed here
		errs = append(errs, r.err)
	}
	o := assemble(spec, c, senders, false)
	for _, s := range senders {
		o.addReceiver(s.recv, s.box, false)
	}
	o.finish()
	return o, errors.Join(errs...)
}

// serveContexts opens n mangos contexts on every peer's socket and serves each on a goroutine
// of its own; wait waits for them once the sockets are closed. On error it closes the wiring and
// waits itself.
func serveContexts(w *wiring, n int, serve func(c mangos.Context, peer int)) (wait func(), err error) {
	var wg sync.WaitGroup
	for i, p := range w.peers {
		for range n {
			c, err := p.OpenContext()
			if err != nil {
				w.close()
				wg.Wait()
				return nil, err
			}
			wg.Go(func() { serve(c, i) })
		}
	}
	return wg.Wait, nil
}

// echo answers every request with its own payload until the socket closes.
func echo(c mangos.Context) {
	defer c.Close()
	for {
		m, err := c.Recv()
		if errors.Is(err, mangos.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		if err := c.Send(m); errors.Is(err, mangos.ErrClosed) {
			return
		}
	}
}

// request sends what src hands out, one request at a time, each waiting for its reply.
func request(ctx context.Context, s *sender, src source, sock mangos.Socket, spec Spec, window time.Time) {
	c, err := sock.OpenContext()
	if err != nil {
		return
	}
	defer c.Close()
	_ = c.SetOption(mangos.OptionSendDeadline, spec.Timeout)
	_ = c.SetOption(mangos.OptionRecvDeadline, spec.Timeout)
	for {
		t, ok := src.next(ctx)
		if !ok {
			return
		}
		buf, st := s.stamp(t)
		if err := c.Send(buf); err != nil {
			if s.sendFailed(err, st, window) {
				return
			}
			continue
		}
		s.rec.Sent(st.Intended, st.Actual, len(buf))
		s.log.add(st.Seq, st.Intended, st.Actual)
		if !s.reply(c, st, spec, window) {
			return
		}
	}
}

// reply waits for the answer to st and records it; false means the socket is gone.
func (s *sender) reply(c mangos.Context, st Stamp, spec Spec, window time.Time) bool {
	m, err := c.Recv()
	at := time.Now()
	inWindow := !st.Intended.Before(window)
	switch {
	case errors.Is(err, mangos.ErrClosed):
		return false
	case errors.Is(err, mangos.ErrRecvTimeout):
		if inWindow {
			s.recv.Timeout()
		}
		return true
	case err != nil:
		if inWindow {
			s.recv.Error()
		}
		return true
	}
	got, err := ParseStamp(m)
	if err != nil || got.Seq != st.Seq || got.Sender != st.Sender {
		if inWindow {
			s.recv.Error() // REQ matches replies by id, so this is a corrupt echo
		}
		return true
	}
	if !s.box.add(got, at) {
		return true
	}
	if spec.Rate > 0 {
		s.recv.Received(got.Intended, got.Actual, at, len(m))
	} else {
		s.recv.ReceivedClosedLoop(got.Actual, at, spec.ExpectedInterval, len(m))
	}
	return true
}
