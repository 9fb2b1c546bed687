// Package survey asks every connected respondent the same question and gathers the replies that arrive before a deadline, over mangos SURVEYOR/RESPONDENT.
package survey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.nanomsg.org/mangos/v3"
	"go.nanomsg.org/mangos/v3/protocol/surveyor"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/transport"
)

// ErrClosed is returned by Survey once the Surveyor is closed.
var ErrClosed = errors.New("survey: closed")

// Result is what one survey gathered.
type Result struct {
	Request *envelope.Envelope // the survey as sent
	Replies []Reply            // in arrival order; error replies included
	Elapsed time.Duration      // from send to the end of the survey
}

// Reply is one respondent's answer.
type Reply struct {
	// Envelope is the response; its Error is set when the respondent failed.
	Envelope *envelope.Envelope
	// Latency is the time from sending the survey to receiving this reply.
	Latency time.Duration
}

// Surveyor sends surveys and gathers replies. It is safe for concurrent use:
// each survey in flight has a mangos context of its own.
type Surveyor struct {
	cfg  SurveyorConfig
	sock *transport.Socket
	log  *slog.Logger

	mu     sync.Mutex
	idle   []mangos.Context // contexts between surveys, reused
	closed bool
	wg     sync.WaitGroup // gatherers, which may outlive a cancelled Survey
}

// NewSurveyor opens the SURVEYOR socket; then Listen or Dial.
func NewSurveyor(cfg SurveyorConfig) (*Surveyor, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	raw, err := surveyor.NewSocket()
	if err != nil {
		return nil, fmt.Errorf("survey: %w", err)
	}
	sock, err := transport.Open(raw, cfg.Name, cfg.Transport.WithLogger(cfg.Logger), cfg.Metrics)
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("survey: %w", err)
	}
	return &Surveyor{cfg: cfg, sock: sock, log: logging.Component(cfg.Logger, "messaging")}, nil
}

// Listen binds addr and returns the bound address.
func (s *Surveyor) Listen(addr string) (string, error) { return s.sock.Listen(addr) }

// Dial connects to a respondent that listens, in the background.
func (s *Surveyor) Dial(addr string) error { return s.sock.Dial(addr) }

// Stats returns the socket's counters.
func (s *Surveyor) Stats() metrics.SocketStats { return s.sock.M.Stats() }

// Close closes the socket, ending any survey in progress, and waits for the
// goroutines that gather replies.
func (s *Surveyor) Close() error {
	s.mu.Lock()
	s.closed = true
	s.idle = nil
	s.mu.Unlock()
	err := s.sock.Close()
	s.wg.Wait()
	return err
}

// Survey sends a Request envelope to every connected respondent and gathers
// every reply that arrives before the deadline: the earlier of
// SurveyorConfig.Deadline and ctx's deadline. Reaching it is the normal end
// and returns a nil error, however few replies came. If ctx is cancelled
// first, Survey returns at once with the replies so far and ctx's error.
//
// The Result is nil only when the survey was not sent: ctx already ended,
// the payload too large (an error wrapping transport.ErrTooLarge), or the
// Surveyor closed (ErrClosed).
//
// Delivery is best effort, as in mangos: a respondent whose send queue is
// full does not get the survey. Replies whose RequestID is not the
// request's are dropped and counted as dropped.
func (s *Surveyor) Survey(ctx context.Context, endpoint string, data json.RawMessage) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	window, byCtx := s.window(ctx)
	if window <= 0 {
		return nil, context.DeadlineExceeded
	}
	req := envelope.New(envelope.Request, s.cfg.Name, endpoint, data)
	m, err := s.sock.Encode("", req)
	if err != nil {
		return nil, fmt.Errorf("survey: %w", err)
	}
	mc, err := s.acquire(window)
	if err != nil {
		m.Free()
		return nil, err
	}
	g := &gatherer{s: s, mc: mc, req: req, done: make(chan struct{}), start: time.Now()}
	if err := s.sock.Send(mc, m); err != nil {
		s.release(mc)
		return nil, fmt.Errorf("survey: send: %w", err)
	}
	if !s.spawn(g.run) {
		return nil, ErrClosed
	}
	select {
	case <-g.done:
	case <-ctx.Done():
		// A ctx deadline was the survey's own, and mangos ends it within
		// moments: wait for that rather than report the normal end as an error.
		if !byCtx || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			res, _ := g.result()
			return res, ctx.Err()
		}
		<-g.done
	}
	return g.result()
}

// window is how long a survey started now may collect, and whether ctx's
// deadline (rather than the configured one) sets it.
func (s *Surveyor) window(ctx context.Context) (time.Duration, bool) {
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); d < s.cfg.Deadline {
			return d, true
		}
	}
	return s.cfg.Deadline, false
}

// acquire returns an idle mangos context, or a new one, set to collect for
// window. Contexts are reused because mangos keeps every context it opened
// until the socket closes.
func (s *Surveyor) acquire(window time.Duration) (mangos.Context, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	var mc mangos.Context
	if n := len(s.idle); n > 0 {
		mc, s.idle = s.idle[n-1], s.idle[:n-1]
	}
	s.mu.Unlock()
	if mc == nil {
		var err error
		if mc, err = s.sock.Mangos().OpenContext(); err != nil {
			return nil, fmt.Errorf("survey: open context: %w", err)
		}
	}
	if err := mc.SetOption(mangos.OptionSurveyTime, window); err != nil {
		mc.Close()
		return nil, fmt.Errorf("survey: set survey time: %w", err)
	}
	return mc, nil
}

// release returns a context whose survey has ended to the idle list.
func (s *Surveyor) release(mc mangos.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		mc.Close()
		return
	}
	s.idle = append(s.idle, mc)
}

// spawn runs f on a goroutine that Close waits for, unless already closed.
func (s *Surveyor) spawn(f func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Go(f)
	return true
}
