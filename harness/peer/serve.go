package peer

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.nanomsg.org/mangos/v3"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Defaults of Options.
const (
	// DefaultMax bounds a peer process that is never told to stop.
	DefaultMax = 10 * time.Minute
	// DefaultConnect bounds the wait until a peer's socket is attached to the hub.
	DefaultConnect = 5 * time.Second
)

// ErrConnect is returned when a peer did not attach in time.
var ErrConnect = errors.New("peer: not attached to the hub")

// ErrOptions is wrapped by the errors of Serve's options.
var ErrOptions = errors.New("peer: bad options")

// Options configure Serve: one peer of a raw run, run in a process of its own.
type Options struct {
	Pattern scenario.Pattern
	// Role names the peer's socket, as PeerRole(Pattern) does: pull, pair, sub, bus, rep or
	// respondent. The sending side (the hub) stays in the run's own process.
	Role string
	// Addr is the hub's address, which the peer dials: tcp://127.0.0.1:PORT,
	// tls+tcp://127.0.0.1:PORT or ipc:///PATH (inproc cannot reach another process).
	Addr string
	// TLS is the dialer's config for a tls+tcp Addr; nil reads it from TLSEnv, where the
	// run puts it for the peers it starts.
	TLS *tls.Config
	// Index is the peer's place among the run's peers (0-based); a respondent tags its
	// answers with it.
	Index int
	// Concurrency is how many requests (surveys) the peer answers at once, reqrep and survey
	// only; default 1.
	Concurrency int
	// Silent makes a replier (respondent) read every request (survey) and answer none.
	Silent bool
	// ServiceTime, reqrep only, makes the replier serve one request at a time, taking this
	// long for each (see Service); 0 answers at once.
	ServiceTime time.Duration
	// Max ends the peer, with its report, after this long even if never told; default
	// DefaultMax.
	Max time.Duration
	// Connect bounds the wait until the socket is attached; default DefaultConnect.
	Connect time.Duration
}

// Role is the socket a peer of pattern p runs ("" if p has no raw driver).
func Role(p scenario.Pattern) string { return roles[p].name }

func (o Options) check() (Options, error) {
	k, ok := roles[o.Pattern]
	switch {
	case !ok:
		return o, fmt.Errorf("%w: pattern %q has no raw driver", ErrOptions, o.Pattern)
	case o.Role != k.name && o.Role == k.hub:
		return o, fmt.Errorf("%w: role %q: the sending side runs in the harness; a peer is %q", ErrOptions, o.Role, k.name)
	case o.Role != k.name:
		return o, fmt.Errorf("%w: role %q is not one of %s; its peer is %q", ErrOptions, o.Role, o.Pattern, k.name)
	case o.Addr == "":
		return o, fmt.Errorf("%w: no address to dial", ErrOptions)
	case strings.HasPrefix(o.Addr, string(scenario.TransportInproc)+"://"):
		return o, fmt.Errorf("%w: %s: an inproc address is not reachable from another process", ErrOptions, o.Addr)
	case o.Index < 0:
		return o, fmt.Errorf("%w: index %d: must be >= 0", ErrOptions, o.Index)
	case o.ServiceTime < 0 || (o.ServiceTime > 0 && o.Pattern != scenario.PatternReqRep):
		return o, fmt.Errorf("%w: service time %v: only a reqrep replier has one, and it must be >= 0", ErrOptions, o.ServiceTime)
	}
	o.Concurrency = max(o.Concurrency, 1)
	if o.Max <= 0 {
		o.Max = DefaultMax
	}
	if o.Connect <= 0 {
		o.Connect = DefaultConnect
	}
	if o.TLS == nil && strings.HasPrefix(o.Addr, string(scenario.TransportTLSTCP)+"://") {
		cfg, err := tlsFromEnv()
		if err != nil {
			return o, err
		}
		o.TLS = cfg
	}
	return o, nil
}

// peerServer is one peer's socket, its goroutines, and what they received.
type peerServer struct {
	o       Options
	sock    mangos.Socket
	closing sync.Once
	hung    atomic.Bool
	count   atomic.Int64 // messages received, copies included: the run's drain polls it
	errs    atomic.Int64
	logs    []*arrivalLog // one per goroutine
	service *Service      // nil: answer at once
	wg      sync.WaitGroup
}

// Serve runs one peer of a raw run: it dials o.Addr, receives (and, for reqrep and survey,
// answers) until told to stop on in (see the peer protocol in wire.go), ctx ends or o.Max
// passes, then writes its report to out and returns. Every way of ending reports: a run that
// lost its peer can still be accounted for. The goroutine reading in ends when in does.
func Serve(ctx context.Context, o Options, in io.Reader, out io.Writer) error {
	o, err := o.check()
	if err != nil {
		return err
	}
	p := &peerServer{o: o, service: NewService(o.ServiceTime)}
	if err := p.dial(ctx); err != nil {
		return err
	}
	defer p.close()
	p.start()
	w := bufio.NewWriter(out)
	if err := writeEvent(w, peerEvent{Event: evReady}); err != nil {
		return fmt.Errorf("peer: %w", err)
	}
	done := make(chan struct{})
	defer close(done)
	if err := p.serve(ctx, commands(in, done), w); err != nil {
		return err
	}
	p.close()
	p.wg.Wait()
	return p.report(w)
}

// dial opens the socket, dials the hub and waits until the pipe is attached.
func (p *peerServer) dial(ctx context.Context) error {
	sock, err := roles[p.o.Pattern].open()
	if err != nil {
		return fmt.Errorf("peer: open %s: %w", p.o.Role, err)
	}
	p.sock = sock
	attached := make(chan struct{}, 1)
	sock.SetPipeEventHook(func(ev mangos.PipeEvent, _ mangos.Pipe) {
		if ev == mangos.PipeEventAttached {
			select {
			case attached <- struct{}{}:
			default:
			}
		}
	})
	opts, err := DialOptions(p.o.Addr, p.o.TLS)
	if err == nil {
		err = sock.DialOptions(p.o.Addr, opts)
	}
	if err != nil {
		p.close()
		return fmt.Errorf("peer: dial %s: %w", p.o.Addr, err)
	}
	t := time.NewTimer(p.o.Connect)
	defer t.Stop()
	select {
	case <-attached:
		return nil
	case <-t.C:
		p.close()
		return fmt.Errorf("%w: %s not attached in %v", ErrConnect, p.o.Addr, p.o.Connect)
	case <-ctx.Done():
		p.close()
		return ctx.Err()
	}
}

func (p *peerServer) close() { p.closing.Do(func() { _ = p.sock.Close() }) }

// start runs the receiving goroutines: one for a one-way pattern, Concurrency echoing ones (each
// on a mangos context) for reqrep and survey.
func (p *peerServer) start() {
	switch p.o.Pattern {
	case scenario.PatternReqRep, scenario.PatternSurvey:
		for range p.o.Concurrency {
			c, err := p.sock.OpenContext()
			if err != nil {
				p.errs.Add(1)
				continue
			}
			log := &arrivalLog{}
			p.logs = append(p.logs, log)
			p.wg.Go(func() { p.echo(c, log) })
		}
	default:
		log := &arrivalLog{}
		p.logs = append(p.logs, log)
		p.wg.Go(func() { p.receive(log) })
	}
}

// receive logs every message until the socket closes or the peer hangs.
func (p *peerServer) receive(log *arrivalLog) {
	for !p.hung.Load() {
		m, err := p.sock.RecvMsg()
		at := time.Now().UnixNano()
		if errors.Is(err, mangos.ErrClosed) {
			return
		}
		if err != nil {
			continue // no deadline is set, so only a closed socket ends a receive
		}
		p.note(log, m.Body, at)
		m.Free()
	}
}

// echo logs every request (survey) on c and answers it with its own payload; a respondent
// appends its index, a silent one answers nothing.
func (p *peerServer) echo(c mangos.Context, log *arrivalLog) {
	defer c.Close()
	survey := p.o.Pattern == scenario.PatternSurvey
	for !p.hung.Load() {
		m, err := c.RecvMsg()
		at := time.Now().UnixNano()
		if errors.Is(err, mangos.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		p.note(log, m.Body, at)
		if p.o.Silent {
			m.Free()
			continue
		}
		if p.service != nil {
			p.service.Serve(Arrival(m.Body, time.Unix(0, at)))
		}
		if survey {
			m.Body = binary.BigEndian.AppendUint32(m.Body, uint32(p.o.Index)) //nolint:gosec // checked >= 0
		}
		err = c.SendMsg(m) // takes m, sent or not
		if errors.Is(err, mangos.ErrClosed) {
			return
		}
		if err != nil {
			p.errs.Add(1)
		}
	}
}

// note logs one received payload.
func (p *peerServer) note(log *arrivalLog, body []byte, at int64) {
	st, err := engine.ParseStamp(body)
	if err != nil {
		p.errs.Add(1)
		return
	}
	log.add(arrival{sender: st.Sender, seq: st.Seq, intended: st.Intended.UnixNano(),
		actual: st.Actual.UnixNano(), at: at, bytes: len(body)})
	p.count.Add(1)
}

// serve obeys commands until stop, the end of input, ctx's end or Max.
func (p *peerServer) serve(ctx context.Context, cmds <-chan string, w *bufio.Writer) error {
	t := time.NewTimer(p.o.Max)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			return nil
		case c, ok := <-cmds:
			switch {
			case !ok || c == cmdStop:
				return nil
			case c == cmdCount:
				if err := writeEvent(w, peerEvent{Event: evCount, Count: p.count.Load()}); err != nil {
					return fmt.Errorf("peer: %w", err)
				}
			case c == cmdHang:
				p.hung.Store(true)
			case c == cmdClose:
				p.close()
			default:
				return fmt.Errorf("%w: unknown command %q", ErrOptions, c)
			}
		}
	}
}

// report writes the report line and the arrival logs.
func (p *peerServer) report(w *bufio.Writer) error {
	r := &peerReport{Peer: p.o.Index, Errors: p.errs.Load()}
	for _, l := range p.logs {
		r.Arrivals += l.n
		for _, b := range l.blocks {
			r.Blocks = append(r.Blocks, int64(len(b)))
		}
	}
	err := writeEvent(w, peerEvent{Event: evReport, Report: r})
	for _, l := range p.logs {
		for _, b := range l.blocks {
			if err == nil {
				_, err = w.Write(b)
			}
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return fmt.Errorf("peer: report: %w", err)
	}
	return nil
}

// writeEvent writes ev as one line and flushes it.
func writeEvent(w *bufio.Writer, ev peerEvent) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return err
	}
	return w.Flush()
}

// commands reads in line by line until its end, or until done is closed and a line comes;
// the channel closes when it stops.
func commands(in io.Reader, done <-chan struct{}) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		s := bufio.NewScanner(in)
		for s.Scan() {
			select {
			case ch <- s.Text():
			case <-done:
				return
			}
		}
	}()
	return ch
}
