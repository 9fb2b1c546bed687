package load

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.nanomsg.org/mangos/v3"
	"go.nanomsg.org/mangos/v3/protocol/bus"
	"go.nanomsg.org/mangos/v3/protocol/pair"
	"go.nanomsg.org/mangos/v3/protocol/pub"
	"go.nanomsg.org/mangos/v3/protocol/push"
	"go.nanomsg.org/mangos/v3/protocol/req"
	"go.nanomsg.org/mangos/v3/protocol/surveyor"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/peer"
	"github.com/nngbench/nngbench/harness/scenario"
)

// kind is how a raw pattern is wired: the hub (sender) listens, the peers dial it.
type kind struct {
	hub func() (mangos.Socket, error) // the peers' side is package peer's
	// each: every peer is owed every message (fan-out); otherwise any one peer is.
	each bool
	// drive runs the pattern over the wiring: one file per driver.
	drive driver
}

// driver runs one raw pattern over connected sockets.
type driver func(ctx context.Context, spec Spec, k kind, w *wiring) (*engine.Outcome, error)

// kinds are the patterns raw mode runs: their sockets and their driver.
var kinds = map[scenario.Pattern]kind{
	scenario.PatternPushPull: {hub: push.NewSocket, drive: runOneWay},
	scenario.PatternPair:     {hub: pair.NewSocket, drive: runOneWay},
	scenario.PatternPubSub:   {hub: pub.NewSocket, each: true, drive: runOneWay},
	scenario.PatternBus:      {hub: bus.NewSocket, each: true, drive: runOneWay},
	scenario.PatternReqRep:   {hub: req.NewSocket, drive: runReqRep},
	scenario.PatternSurvey:   {hub: surveyor.NewSocket, each: true, drive: runSurvey},
}

// blocks says whether the hub's sends may block without a deadline: one way, open or closed
// loop. mangos' xpush and xpair arm a timer (time.After) on every Send when a deadline is set,
// which held the open loop to about 0.84x of the closed one; runOneWay bounds them instead.
func (k kind) blocks(spec Spec) bool {
	return spec.Pattern != scenario.PatternReqRep && spec.Pattern != scenario.PatternSurvey
}

// wiring is a hub and its peers, connected: sockets of this process, or peer processes. Its
// close methods are safe to call more than once and from any goroutine, which the cancellation
// path needs.
type wiring struct {
	hub      mangos.Socket
	peers    []mangos.Socket // in-process peers, or
	procs    []*peer.Proc    // peer processes (Spec.Procs)
	hangs    []chan struct{} // closed to make in-process peer i stop reading
	once     []sync.Once     // one per peer
	hangOnce []sync.Once
	hubOnce  sync.Once
	undo     func() // Spec.Via's
	link     *link  // the transport's addresses and TLS
}

func newWiring(n int) *wiring {
	w := &wiring{once: make([]sync.Once, n), hangOnce: make([]sync.Once, n), hangs: make([]chan struct{}, n)}
	for i := range w.hangs {
		w.hangs[i] = make(chan struct{})
	}
	return w
}

// closePeer closes peer i's socket once; receivers blocked in Recv return mangos.ErrClosed.
func (w *wiring) closePeer(i int) {
	w.once[i].Do(func() {
		switch {
		case w.procs != nil:
			_ = w.procs[i].Close() // a peer that has gone is closed already
		case i < len(w.peers):
			_ = w.peers[i].Close()
		}
	})
}

// hangPeer makes peer i stop reading and leave its socket open, as a hung process would.
func (w *wiring) hangPeer(i int) {
	w.hangOnce[i].Do(func() {
		close(w.hangs[i])
		if w.procs != nil {
			_ = w.procs[i].Hang()
		}
	})
}

// closeHub closes the hub once: its blocked sends return mangos.ErrClosed.
func (w *wiring) closeHub() {
	w.hubOnce.Do(func() {
		if w.hub != nil {
			_ = w.hub.Close()
		}
	})
}

// close closes the peers first, then the hub: mangos has no linger, so whatever the hub still
// holds is lost either way, but the drain has already waited for it.
func (w *wiring) close() {
	for i := range w.once {
		w.closePeer(i)
	}
	w.closeHub()
}

// release closes everything, kills and reaps any peer process still running, undoes Via and
// removes the transport's files.
func (w *wiring) release() {
	w.close()
	for _, p := range w.procs {
		p.Kill()
	}
	if w.undo != nil {
		w.undo()
		w.undo = nil
	}
	w.link.close()
}

// received is how many messages peer i has, copies included: in-process receivers by their
// count, a process by asking it (-1 when it cannot say).
func (w *wiring) received(rs []*receiver, i int) int64 {
	if w.procs != nil {
		return w.procs[i].Count()
	}
	return rs[i].n.Load()
}

// reports stops every peer process and returns their reports, in peer order.
func (w *wiring) reports() []peer.Report {
	out := make([]peer.Report, len(w.procs))
	var wg sync.WaitGroup
	for i, p := range w.procs {
		wg.Go(func() { out[i] = p.Stop() })
	}
	wg.Wait()
	return out
}

// connect opens the hub on a fresh address of spec.Transport (127.0.0.1:0 for tcp and tls+tcp)
// and connects spec.Peers peers to it (through Via, if set), in this process or as processes,
// and waits, bounded by ctx and DefaultConnect, until every pipe is attached, so no message is
// sent to a peer that is not there yet. On error, everything it started is released.
func connect(ctx context.Context, k kind, spec Spec) (*wiring, error) {
	n := spec.Peers
	w := newWiring(n)
	attached := make(chan struct{}, 2*n)
	hook := func(ev mangos.PipeEvent, _ mangos.Pipe) {
		if ev == mangos.PipeEventAttached {
			select {
			case attached <- struct{}{}:
			default: // a reconnect after the start: nobody waits for it
			}
		}
	}
	var err error
	if w.hub, err = k.hub(); err != nil {
		return nil, fmt.Errorf("load: open hub: %w", err)
	}
	fail := func(e error) (*wiring, error) { w.release(); return nil, e }
	w.hub.SetPipeEventHook(hook)
	// PUB never blocks a send, and so takes no deadline. Nor does any one-way loop: its sends
	// block as long as the peers push back, and a deadline would cost a timer per message
	// (mangos arms one per Send); runOneWay bounds them instead.
	if !k.blocks(spec) {
		if err := w.hub.SetOption(mangos.OptionSendDeadline, spec.Timeout); err != nil && !errors.Is(err, mangos.ErrBadOption) {
			return fail(fmt.Errorf("load: send deadline: %w", err))
		}
	}
	if w.link, err = newLink(spec); err != nil {
		return fail(err)
	}
	addr, err := listen(w.hub, w.link)
	if err != nil {
		return fail(err)
	}
	if spec.Via != nil {
		if addr, w.undo, err = spec.Via(addr); err != nil {
			return fail(fmt.Errorf("load: via: %w", err))
		}
	}
	if spec.Procs != nil {
		return startPeers(ctx, w, k, spec, addr, attached)
	}
	for range n {
		p, err := peer.Open(spec.Pattern)
		if err != nil {
			return fail(fmt.Errorf("load: open peer: %w", err))
		}
		w.peers = append(w.peers, p)
		p.SetPipeEventHook(hook)
		if err := p.DialOptions(addr, w.link.peerOpts); err != nil {
			return fail(fmt.Errorf("load: dial %s: %w", addr, err))
		}
	}
	if err := waitAttached(ctx, attached, 2*n); err != nil {
		return fail(err)
	}
	return w, nil
}

// startPeers starts the peer processes, dialling addr, and waits until the hub has a pipe to
// each and each has said it is ready (attached at its end).
func startPeers(ctx context.Context, w *wiring, k kind, spec Spec, addr string, attached <-chan struct{}) (*wiring, error) {
	for i := range spec.Peers {
		p, err := peer.Start(spec.Procs, i, peer.Args(spec.peerOptions(addr, i)), w.link.peerEnv)
		if err != nil {
			w.release()
			return nil, err
		}
		w.procs = append(w.procs, p)
	}
	if err := waitAttached(ctx, attached, spec.Peers); err != nil {
		w.release()
		return nil, err
	}
	for i, p := range w.procs {
		if err := p.Ready(DefaultConnect); err != nil {
			w.release()
			return nil, err
		}
		if spec.Procs.Started != nil {
			spec.Procs.Started(i, p.Pid())
		}
	}
	return w, nil
}

// listen binds the hub to l's address (a free loopback port for tcp and tls+tcp) and returns
// the bound address.
func listen(s mangos.Socket, l *link) (string, error) {
	ln, err := s.NewListener(l.listen, l.hubOpts)
	if err != nil {
		return "", fmt.Errorf("load: listen: %w", err)
	}
	if err := ln.Listen(); err != nil {
		return "", fmt.Errorf("load: listen: %w", err)
	}
	return ln.Address(), nil
}

// errConnect is returned when the peers did not attach in time.
var errConnect = errors.New("load: peers did not attach")

func waitAttached(ctx context.Context, attached <-chan struct{}, want int) error {
	timer := time.NewTimer(DefaultConnect)
	defer timer.Stop()
	for got := 0; got < want; got++ {
		select {
		case <-attached:
		case <-timer.C:
			return fmt.Errorf("%w: %d of %d pipe ends in %v", errConnect, got, want, DefaultConnect)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
