package survey

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.nanomsg.org/mangos/v3"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/metrics"
)

// gatherer collects the replies of one survey on its own goroutine, so that
// Survey can return on ctx cancellation while mangos, which has no way to
// interrupt a context's RecvMsg short of closing it, runs the survey out.
type gatherer struct {
	s     *Surveyor
	mc    mangos.Context
	req   *envelope.Envelope
	start time.Time
	done  chan struct{} // closed when the survey has ended

	mu      sync.Mutex
	replies []Reply
	err     error // why the survey ended early; nil at its deadline
}

func (g *gatherer) run() {
	defer close(g.done)
	for {
		m, err := g.mc.RecvMsg()
		if err == nil {
			g.take(m, time.Since(g.start))
			continue
		}
		switch {
		case errors.Is(err, mangos.ErrProtoState):
			// mangos ends a survey at its deadline with ErrProtoState.
			g.s.release(g.mc)
		case errors.Is(err, mangos.ErrClosed):
			g.setErr(ErrClosed)
		default:
			g.s.sock.M.Error(metrics.KindRecv)
			g.mc.Close()
			g.setErr(fmt.Errorf("survey: receive: %w", err))
		}
		return
	}
}

// take decodes one reply and keeps it if it answers this survey.
func (g *gatherer) take(m *mangos.Message, latency time.Duration) {
	s := g.s
	e, err := s.sock.DecodeMessage(m, 0)
	if err != nil {
		s.log.Warn("dropped a survey reply that is not an envelope", logging.BadInput, "socket", s.cfg.Name, "error", err)
		return
	}
	if e.Type != envelope.Response || e.RequestID != g.req.ID {
		s.sock.M.Dropped(1)
		s.log.Warn("dropped a reply to another request", logging.BadInput, "socket", s.cfg.Name,
			"request", g.req.ID, "request_id", e.RequestID, "type", e.Type, "sender", e.Sender)
		return
	}
	if e.Error != "" {
		s.sock.M.Error(metrics.KindRemote)
	}
	s.sock.M.ObserveLatency(latency)
	g.mu.Lock()
	g.replies = append(g.replies, Reply{Envelope: e, Latency: latency})
	g.mu.Unlock()
}

func (g *gatherer) setErr(err error) {
	g.mu.Lock()
	g.err = err
	g.mu.Unlock()
}

// result copies what has been gathered so far, and why the survey ended
// early if it did.
func (g *gatherer) result() (*Result, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return &Result{Request: g.req, Replies: slices.Clone(g.replies), Elapsed: time.Since(g.start)}, g.err
}
