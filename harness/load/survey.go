package load

import (
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"sync"
	"time"

	"go.nanomsg.org/mangos/v3"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
)

// peerTagSize is the peer index a respondent appends to the survey it echoes, so that the
// surveyor knows who answered: mangos does not say which pipe a reply came in on.
const peerTagSize = 4

// survey is one survey in flight: its stamp, and the replies that came before its deadline.
// Written by the goroutine collecting it, read by its sender once that goroutine has ended.
type survey struct {
	st      engine.Stamp
	replies []surveyReply
	bad     int // replies that were not an answer to this survey from a known peer
}

// surveyReply is one respondent's first answer to a survey.
type surveyReply struct {
	peer  int
	at    time.Time
	bytes int
}

// runSurvey drives surveys: each one goes from the hub (SURVEYOR), on a mangos context of its
// own with the survey deadline spec.Timeout, to every peer (RESPONDENT), which answers with the
// stamp. Every peer is owed an answer to every survey, and one not in by the deadline is lost
// for that peer. Open loop, surveys overlap (one context each); closed loop, each of the
// Concurrency senders has one survey at a time.
func runSurvey(ctx context.Context, spec Spec, _ kind, w *wiring) (*engine.Outcome, error) {
	respondents, err := serveContexts(w, spec.Concurrency, func(c mangos.Context, peer int) {
		respond(c, peer, slices.Contains(spec.Silent, peer), spec.Observe)
	})
	if err != nil {
		return nil, err
	}
	c := record.NewTimeline(spec.Warmup, spec.Duration)
	var l history.Ledger
	runSenders(ctx, spec, c, &l, func(ctx context.Context, s *sender, src engine.Source) {
		conduct(ctx, s, src, w.hub, spec)
	})
	// Every survey has passed its deadline: nothing is in flight to drain.
	w.close()
	respondents()
	var errs []error
	for _, r := range w.reports() { // replies are timed here: the logs only feed Observe
		err := r.Err()
		if spec.Observe != nil {
			_, err = r.Replay(c.End, spec.Observe)
		}
		errs = append(errs, err)
	}
	o := engine.NewOutcome(spec.Spec, c, spec.workload(c, true, spec.Peers, nil), l.Tapes())
	return o, errors.Join(errs...)
}

// respond answers every survey on c with its payload and the peer's index, until the socket
// closes; a silent respondent reads its surveys and never answers.
func respond(c mangos.Context, peer int, silent bool, observe func(int, engine.Stamp)) {
	defer c.Close()
	for {
		m, err := c.Recv()
		if errors.Is(err, mangos.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		if observe != nil {
			if st, err := engine.ParseStamp(m); err == nil {
				observe(peer, st)
			}
		}
		if silent {
			continue
		}
		m = binary.BigEndian.AppendUint32(m, uint32(peer)) //nolint:gosec // peer < Spec.Peers
		if err := c.Send(m); errors.Is(err, mangos.ErrClosed) {
			return
		}
	}
}

// conduct sends a survey for each tick src hands out and collects its replies: in a goroutine
// per survey open loop, in line closed loop. Once all are collected it notes them on s's tape,
// in the order the surveys went out.
func conduct(ctx context.Context, s *sender, src engine.Source, sock mangos.Socket, spec Spec) {
	var out []*survey
	var wg sync.WaitGroup
	for {
		t, ok := src.Next(ctx)
		if !ok {
			break
		}
		c, err := sock.OpenContext()
		if err != nil {
			break // only a closed socket refuses a context
		}
		_ = c.SetOption(mangos.OptionSurveyTime, spec.Timeout) // cannot fail: a Duration
		buf, st := s.stamp(t)
		if err := c.Send(buf); err != nil {
			_ = c.Close()
			if s.sendFailed(err, st) {
				break
			}
			continue
		}
		s.sent(st, history.NoPeer, len(buf))
		sv := &survey{st: st}
		out = append(out, sv)
		if spec.Rate > 0 {
			wg.Go(func() { sv.collect(c, spec.Peers) })
		} else {
			sv.collect(c, spec.Peers)
		}
	}
	wg.Wait()
	for _, sv := range out {
		sv.note(s.tape)
	}
}

// collect takes replies on c until every one of peers has answered, the survey's deadline
// passes (mangos then fails Recv with ErrProtoState) or the socket closes; then closes c.
func (sv *survey) collect(c mangos.Context, peers int) {
	defer c.Close()
	seen := make([]bool, peers)
	for len(sv.replies) < peers {
		m, err := c.Recv()
		at := time.Now()
		if err != nil {
			return
		}
		peer, ok := sv.answer(m, peers)
		if !ok || seen[peer] {
			sv.bad++
			continue
		}
		seen[peer] = true
		sv.replies = append(sv.replies, surveyReply{peer: peer, at: at, bytes: len(m)})
	}
}

// answer says which peer m is from, and whether it answers this survey.
func (sv *survey) answer(m []byte, peers int) (int, bool) {
	if len(m) < engine.StampSize+peerTagSize {
		return 0, false
	}
	st, err := engine.ParseStamp(m)
	if err != nil || st.Seq != sv.st.Seq || st.Sender != sv.st.Sender {
		return 0, false
	}
	peer := binary.BigEndian.Uint32(m[len(m)-peerTagSize:])
	if int64(peer) >= int64(peers) {
		return 0, false
	}
	return int(peer), true
}

// note adds sv's replies to tape: one receipt per respondent's first answer, and a foreign
// one (an error) per reply that was not an answer to it.
func (sv *survey) note(tape *history.Tape) {
	for range sv.bad {
		op := history.ReceiptOp(sv.st.Sender, sv.st.Seq, history.NoPeer, sv.st.Actual.UnixNano(), 0)
		op.Outcome, op.Flags = history.Error, history.FlagForeign
		tape.Add(op)
	}
	for _, r := range sv.replies {
		tape.Add(history.ReceiptOp(sv.st.Sender, sv.st.Seq, int32(r.peer), r.at.UnixNano(), r.bytes)) //nolint:gosec // peer < Spec.Peers
	}
}
