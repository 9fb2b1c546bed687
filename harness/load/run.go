package load

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"go.nanomsg.org/mangos/v3"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
)

// Run drives spec over fresh loopback sockets and returns what it measured. It returns once the
// run, the drain and the sockets' close are over: Warmup+Duration+Grace, plus the reply Timeout
// for request and survey patterns. Cancelling ctx closes the sockets and ends it early, with an error.
func Run(ctx context.Context, spec Spec) (*engine.Outcome, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	spec = spec.withDefaults()
	k := kinds[spec.Pattern]
	w, err := connect(ctx, k, spec)
	if err != nil {
		return nil, err
	}
	defer w.release()
	stop := context.AfterFunc(ctx, w.close) // unblocks every Send and Recv at once
	defer stop()
	out, err := k.drive(ctx, spec, k, w)
	if err == nil {
		err = ctx.Err() // a cancelled run measured only part of its window
	}
	return out, err
}

// sender is one sending goroutine's state: its payload sizes, and its tape of the history: what
// it sent, and for request patterns what came back.
type sender struct {
	id    uint32
	sizes *payloads
	tape  *history.Tape
	sends int64 // messages handed to the socket
}

// runSenders runs spec.Concurrency senders sharing one engine source until it stops, each with
// a tape of l, and returns them.
func runSenders(ctx context.Context, s Spec, c record.Timeline, l *history.Ledger, work func(context.Context, *sender, engine.Source)) []*sender {
	senders := make([]*sender, s.Concurrency)
	for i := range senders {
		senders[i] = &sender{id: uint32(i), sizes: newPayloads(s.Size, s.Seed, uint32(i)), tape: s.tape(l)} //nolint:gosec // i < Concurrency
	}
	engine.Run(ctx, s.Spec, c, func(ctx context.Context, i int, src engine.Source) { work(ctx, senders[i], src) })
	return senders
}

// tape returns a new tape of l for one goroutine, or nil if s records no history.
func (s Spec) tape(l *history.Ledger) *history.Tape {
	if s.noHistory {
		return nil
	}
	return l.Tape()
}

// stamp fills the next payload for t, sent now, and returns it with its stamp.
func (s *sender) stamp(t engine.Tick) ([]byte, engine.Stamp) {
	buf := s.sizes.next()
	now := t.Now
	if now.IsZero() {
		now = time.Now()
	}
	st := engine.Stamp{Sender: s.id, Seq: t.Seq, Intended: t.Due(now), Actual: now}
	_ = st.Put(buf) // cannot fail: payloads are at least engine.StampSize
	return buf, st
}

// sent notes st's message, of bytes, handed to the socket for peer (history.NoPeer: any or all).
func (s *sender) sent(st engine.Stamp, peer int32, bytes int) {
	s.sends++
	if s.tape == nil {
		return
	}
	s.tape.Add(history.SendOp(st.Sender, st.Seq, peer, st.Intended.UnixNano(), st.Actual.UnixNano(), bytes))
}

// sendFailed notes a failed send, and says whether the socket is gone (stop sending).
func (s *sender) sendFailed(err error, st engine.Stamp) (closed bool) {
	if errors.Is(err, mangos.ErrClosed) {
		return true
	}
	if s.tape == nil {
		return false
	}
	s.tape.Add(history.FailOp(st.Sender, st.Seq, history.NoPeer, st.Intended.UnixNano(), st.Actual.UnixNano(), history.Error))
	return false
}

// killer stops peer k.Peer at start+k.At (it stops reading) and closes its socket k.Hang
// later, unless the run ends first; it marks the peer killed, so that the drain does not wait
// for it.
func killer(ctx context.Context, k *Kill, c record.Timeline, w *wiring, killed []atomic.Bool, done <-chan struct{}) {
	t := time.NewTimer(time.Until(c.Start.Add(k.At)))
	defer t.Stop()
	select {
	case <-t.C:
	case <-done:
		return
	case <-ctx.Done():
		return
	}
	killed[k.Peer].Store(true)
	w.hangPeer(k.Peer)
	t.Reset(k.Hang)
	select { // the run's end closes it anyway
	case <-t.C:
	case <-done:
	case <-ctx.Done():
	}
	w.closePeer(k.Peer)
}
