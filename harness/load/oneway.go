package load

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.nanomsg.org/mangos/v3"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
)

// receiver is one peer's receiving goroutine with its own tape of the history.
type receiver struct {
	id      int
	sock    mangos.Socket
	tape    *history.Tape
	n       atomic.Int64 // messages received, copies included: the drain polls it
	observe func(int, engine.Stamp)
	hang    <-chan struct{} // closed: stop reading, leave the socket open
}

// run notes every message until the socket closes. Latency is one-way, receipt minus the
// stamped intended (and actual) send: sender and receiver share the clock of one machine.
func (r *receiver) run() {
	for {
		select {
		case <-r.hang:
			return
		default:
		}
		m, err := r.sock.Recv()
		at := time.Now()
		if errors.Is(err, mangos.ErrClosed) {
			return
		}
		if err != nil {
			continue // no deadline is set, so only a closed socket ends a receive
		}
		st, err := engine.ParseStamp(m)
		if err != nil {
			if r.tape != nil {
				r.tape.Add(history.ForeignOp(int32(r.id), at.UnixNano())) //nolint:gosec // id < Spec.Peers
			}
			continue
		}
		if r.observe != nil {
			r.observe(r.id, st)
		}
		r.n.Add(1)
		if r.tape != nil {
			r.tape.Add(history.ReceiptOp(st.Sender, st.Seq, int32(r.id), at.UnixNano(), len(m))) //nolint:gosec // id < Spec.Peers
		}
	}
}

// sendOneWay sends what src hands out until it stops or the socket closes.
func sendOneWay(ctx context.Context, s *sender, src engine.Source, sock mangos.Socket) {
	for {
		t, ok := src.Next(ctx)
		if !ok {
			return
		}
		buf, st := s.stamp(t)
		if err := sock.Send(buf); err != nil {
			if s.sendFailed(err, st) {
				return
			}
			continue
		}
		s.sent(st, history.NoPeer, len(buf))
	}
}

// runOneWay drives a one-way pattern: the hub sends, every peer receives and records.
func runOneWay(ctx context.Context, spec Spec, k kind, w *wiring) (*engine.Outcome, error) {
	c := record.NewTimeline(spec.Warmup, spec.Duration)
	var l history.Ledger
	var rs []*receiver
	var rwg sync.WaitGroup
	for i, p := range w.peers { // none when the peers are processes: they receive already
		rs = append(rs, &receiver{id: i, sock: p, tape: spec.tape(&l), observe: spec.Observe, hang: w.hangs[i]})
		rwg.Go(rs[i].run)
	}
	killed := make([]atomic.Bool, spec.Peers)
	done := make(chan struct{})
	var kwg sync.WaitGroup
	if spec.Kill != nil {
		kwg.Go(func() { killer(ctx, spec.Kill, c, w, killed, done) })
	}
	// One way, sends have no deadline (see connect): a send still blocked Timeout after the end
	// has peers that stopped reading, and closing the hub ends it (open loop, the messages due
	// meanwhile never go out, and the generator shows as behind).
	var stuck *time.Timer
	if k.blocks(spec) {
		stuck = time.AfterFunc(time.Until(c.End.Add(spec.Timeout)), w.closeHub)
	}
	senders := runSenders(ctx, spec, c, &l, func(ctx context.Context, s *sender, src engine.Source) {
		sendOneWay(ctx, s, src, w.hub)
	})
	if stuck != nil {
		stuck.Stop()
	}
	sent := int64(0)
	for _, s := range senders {
		sent += s.sends
	}
	engine.Drain(ctx, spec.Grace, func() bool { return caughtUp(w, rs, killed, sent, k.each) })
	close(done)
	kwg.Wait()
	w.close() // the hub only now: the receivers have what they will get
	rwg.Wait()
	tapes := l.Tapes()
	var errs []error
	if w.procs != nil {
		for _, r := range w.reports() {
			tape, err := r.Replay(c.End, spec.Observe)
			errs = append(errs, err)
			tapes = append(tapes, tape)
		}
	}
	var dead []int
	for i := range killed {
		if killed[i].Load() {
			dead = append(dead, i)
		}
	}
	o := engine.NewOutcome(spec.Spec, c, spec.workload(c, k.each, spec.Peers, dead), tapes)
	o.Counts.Sent = sent
	for i := range rs { // in-process receivers only: the processes are gone
		o.Counts.Received += w.received(rs, i)
	}
	return o, errors.Join(errs...)
}

// caughtUp says whether the receivers hold every message sent: each live one all of them when
// each, or all of them between them otherwise.
func caughtUp(w *wiring, rs []*receiver, killed []atomic.Bool, sent int64, each bool) bool {
	total := int64(0)
	for i := range killed {
		n := w.received(rs, i)
		if each && !killed[i].Load() && n < sent {
			return false
		}
		total += n
	}
	return each || total >= sent
}
