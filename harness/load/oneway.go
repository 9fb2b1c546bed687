package load

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.nanomsg.org/mangos/v3"

	"github.com/nngbench/nngbench/harness/record"
)

// receiver is one peer's receiving goroutine with its own recorder and inbox.
type receiver struct {
	id      int
	sock    mangos.Socket
	rec     *record.Recorder
	box     *inbox
	observe func(int, Stamp)
	hang    <-chan struct{} // closed: stop reading, leave the socket open
}

// run records every message until the socket closes. Latency is one-way, receipt minus the
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
		st, err := ParseStamp(m)
		if err != nil {
			r.rec.Error()
			continue
		}
		if r.observe != nil {
			r.observe(r.id, st)
		}
		if r.box.add(st, at) {
			r.rec.Received(st.Intended, st.Actual, at, len(m))
		}
	}
}

// sendOneWay sends what src hands out until it stops or the socket closes.
func sendOneWay(ctx context.Context, s *sender, src source, sock mangos.Socket, window time.Time) {
	for {
		t, ok := src.next(ctx)
		if !ok {
			return
		}
		buf, st := s.stamp(t)
		if err := sock.Send(buf); err != nil {
			if s.sendFailed(err, st, window) {
				return
			}
			continue
		}
		s.rec.Sent(st.Intended, st.Actual, len(buf))
		s.log.add(st.Seq, st.Intended, st.Actual)
	}
}

// runOneWay drives a one-way pattern: the hub sends, every peer receives and records.
func runOneWay(ctx context.Context, spec Spec, k kind, w *wiring) (*Outcome, error) {
	c := record.NewTimeline(spec.Warmup, spec.Duration)
	var rs []*receiver
	var rwg sync.WaitGroup
	for i, p := range w.peers { // none when the peers are processes: they receive already
		rs = append(rs, &receiver{id: i, sock: p, rec: record.New(record.Options{Start: c.Window}),
			box: newInbox(), observe: spec.Observe, hang: w.hangs[i]})
		rwg.Go(rs[i].run)
	}
	killed := make([]atomic.Bool, spec.Peers)
	done := make(chan struct{})
	var kwg sync.WaitGroup
	if spec.Kill != nil {
		kwg.Go(func() { killer(ctx, spec.Kill, c, w, killed, done) })
	}
	// Closed loop, sends have no deadline (see connect): a send still blocked Timeout after the
	// end has a peer that stopped reading, and closing the hub ends it.
	var stuck *time.Timer
	if k.blocks(spec) {
		stuck = time.AfterFunc(time.Until(c.End.Add(spec.Timeout)), w.closeHub)
	}
	senders := runSenders(ctx, spec, c, func(ctx context.Context, s *sender, src source) {
		sendOneWay(ctx, s, src, w.hub, c.Window)
	})
	if stuck != nil {
		stuck.Stop()
	}
	sent := int64(0)
	for _, s := range senders {
		sent += int64(s.log.len())
	}
	Drain(ctx, spec.Grace, func() bool { return caughtUp(w, rs, killed, sent, k.each) })
	close(done)
	kwg.Wait()
	w.close() // the hub only now: the receivers have what they will get
	rwg.Wait()
	o := assemble(spec, c, senders, k.each)
	var errs []error
	if w.procs != nil {
		for i, r := range w.reports() {
			rec, box, err := r.replay(c.Window, spec.Observe)
			errs = append(errs, err)
			o.addReceiver(rec, box, killed[i].Load())
		}
	}
	for i, r := range rs {
		o.addReceiver(r.rec, r.box, killed[i].Load())
	}
	o.finish()
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
