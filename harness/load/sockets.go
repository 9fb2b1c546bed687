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
	"go.nanomsg.org/mangos/v3/protocol/pull"
	"go.nanomsg.org/mangos/v3/protocol/push"
	"go.nanomsg.org/mangos/v3/protocol/rep"
	"go.nanomsg.org/mangos/v3/protocol/req"
	"go.nanomsg.org/mangos/v3/protocol/respondent"
	"go.nanomsg.org/mangos/v3/protocol/sub"
	"go.nanomsg.org/mangos/v3/protocol/surveyor"

	"github.com/nngbench/nngbench/harness/scenario"

	_ "go.nanomsg.org/mangos/v3/transport/tcp" // raw mode runs on bare tcp
)

// kind is how a raw pattern is wired: the hub (sender) listens, the peers dial it.
type kind struct {
	hub, peer func() (mangos.Socket, error)
	// each: every peer is owed every message (fan-out); otherwise any one peer is.
	each bool
}

var kinds = map[scenario.Pattern]kind{
	scenario.PatternPushPull: {hub: push.NewSocket, peer: pull.NewSocket},
	scenario.PatternPair:     {hub: pair.NewSocket, peer: pair.NewSocket},
	scenario.PatternPubSub:   {hub: pub.NewSocket, peer: subscribeAll, each: true},
	scenario.PatternBus:      {hub: bus.NewSocket, peer: bus.NewSocket, each: true},
	scenario.PatternReqRep:   {hub: req.NewSocket, peer: rep.NewSocket},
	scenario.PatternSurvey:   {hub: surveyor.NewSocket, peer: respondent.NewSocket, each: true},
}

// subscribeAll is a SUB socket that takes every topic: raw payloads have no topic prefix.
func subscribeAll() (mangos.Socket, error) {
	s, err := sub.NewSocket()
	if err != nil {
		return nil, err
	}
	if err := s.SetOption(mangos.OptionSubscribe, []byte{}); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// wiring is a hub and its peers, connected. close is safe to call more than once and from
// any goroutine, which the cancellation path needs.
type wiring struct {
	hub     mangos.Socket
	peers   []mangos.Socket
	once    []sync.Once // one per peer
	hubOnce sync.Once
}

// closePeer closes peer i once; receivers blocked in Recv return mangos.ErrClosed.
func (w *wiring) closePeer(i int) { w.once[i].Do(func() { _ = w.peers[i].Close() }) }

// close closes the peers first, then the hub: mangos has no linger, so whatever the hub still
// holds is lost either way, but the drain has already waited for it.
func (w *wiring) close() {
	for i := range w.peers {
		w.closePeer(i)
	}
	w.hubOnce.Do(func() { _ = w.hub.Close() })
}

// connect opens the hub on 127.0.0.1:0, dials n peers to it, and waits, bounded by ctx and
// DefaultConnect, until every pipe is attached at both ends, so no message is sent to a
// peer that is not there yet.
func connect(ctx context.Context, k kind, n int, sendTimeout time.Duration) (*wiring, error) {
	w := &wiring{once: make([]sync.Once, n)}
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
	w.peers = []mangos.Socket{}
	fail := func(e error) (*wiring, error) { w.close(); return nil, e }
	w.hub.SetPipeEventHook(hook)
	// PUB never blocks a send, and so takes no deadline.
	if err := w.hub.SetOption(mangos.OptionSendDeadline, sendTimeout); err != nil && !errors.Is(err, mangos.ErrBadOption) {
		return fail(fmt.Errorf("load: send deadline: %w", err))
	}
	addr, err := listen(w.hub)
	if err != nil {
		return fail(err)
	}
	for range n {
		p, err := k.peer()
		if err != nil {
			return fail(fmt.Errorf("load: open peer: %w", err))
		}
		w.peers = append(w.peers, p)
		p.SetPipeEventHook(hook)
		if err := p.Dial(addr); err != nil {
			return fail(fmt.Errorf("load: dial %s: %w", addr, err))
		}
	}
	if err := waitAttached(ctx, attached, 2*n, fail); err != nil {
		return nil, err
	}
	return w, nil
}

// listen binds the hub to a free loopback port and returns the bound address.
func listen(s mangos.Socket) (string, error) {
	l, err := s.NewListener("tcp://127.0.0.1:0", nil)
	if err != nil {
		return "", fmt.Errorf("load: listen: %w", err)
	}
	if err := l.Listen(); err != nil {
		return "", fmt.Errorf("load: listen: %w", err)
	}
	return l.Address(), nil
}

// errConnect is returned when the peers did not attach in time.
var errConnect = errors.New("load: peers did not attach")

func waitAttached(ctx context.Context, attached <-chan struct{}, want int, fail func(error) (*wiring, error)) error {
	timer := time.NewTimer(DefaultConnect)
	defer timer.Stop()
	for got := 0; got < want; got++ {
		select {
		case <-attached:
		case <-timer.C:
			_, err := fail(fmt.Errorf("%w: %d of %d pipe ends in %v", errConnect, got, want, DefaultConnect))
			return err
		case <-ctx.Done():
			_, err := fail(ctx.Err())
			return err
		}
	}
	return nil
}
