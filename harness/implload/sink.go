package implload

import (
	"slices"
	"sync"
	"time"

	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/record"
)

// owed says which peers each message is owed to.
type owed int

const (
	owedOne  owed = iota // the peer it was sent to (reqrep)
	owedAny              // any one peer (pushpull: whichever worker ran it)
	owedEach             // every peer (pubsub)
)

// sentMsg is one message handed to the system, kept to count loss from
// what was really sent.
type sentMsg struct {
	seq              uint64
	intended, actual time.Time
	peer             int // owedOne: the peer it went to
}

// box is what one peer got, by sequence number.
type box struct {
	first     map[uint64]time.Time
	dups      int64
	reordered int64
	top       uint64 // highest sequence seen, plus one
}

// sink records one run's sends and receipts. Unlike a Recorder it is safe
// for concurrent use: the drivers send from many goroutines and receipts
// come in on the control plane's.
type sink struct {
	spec    Spec
	tl      record.Timeline
	names   []string // peers, in the cluster's order
	owed    owed
	ordered bool // each peer's messages come in order: count reordering

	mu    sync.Mutex
	send  *record.Recorder
	peers []*record.Recorder
	log   []sentMsg
	boxes []*box
}

func newSink(spec Spec, tl record.Timeline, names []string, o owed) *sink {
	s := &sink{spec: spec, tl: tl, names: names, owed: o,
		send: record.New(record.Options{Start: tl.Window, Planned: spec.Rate})}
	for range names {
		s.peers = append(s.peers, record.New(record.Options{Start: tl.Window}))
		s.boxes = append(s.boxes, &box{first: map[uint64]time.Time{}})
	}
	return s
}

// inWindow says whether a message due at intended counts in the figures
// that do not know when their message was due (errors, timeouts, lost).
func (s *sink) inWindow(intended time.Time) bool { return !intended.Before(s.tl.Window) }

// sent records a message due at t, handed over at actual, for peer (owedOne).
func (s *sink) sent(t tick, actual time.Time, peer, bytes int) {
	intended := t.due(actual)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.send.Sent(intended, actual, bytes)
	s.log = append(s.log, sentMsg{seq: t.seq, intended: intended, actual: actual, peer: peer})
}

// sendFailed counts a message that could not be handed over.
func (s *sink) sendFailed(t tick, actual time.Time) {
	if !s.inWindow(t.due(actual)) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.send.Error()
}

// failed counts, at peer, an error reply or another failure of a message
// that was sent; timeout says it got no answer in time.
func (s *sink) failed(peer int, intended time.Time, timeout bool) {
	if !s.inWindow(intended) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if timeout {
		s.peers[peer].Timeout()
	} else {
		s.peers[peer].Error()
	}
}

// received records a receipt at peer of message seq, due at intended,
// sent at actual, received at at. A copy already received is counted as
// a duplicate only. It says whether this was the first copy.
func (s *sink) received(peer int, seq uint64, intended, actual, at time.Time, bytes int) bool {
	s.mu.Lock()
	b := s.boxes[peer]
	if _, dup := b.first[seq]; dup {
		b.dups++
		s.mu.Unlock()
		return false
	}
	b.first[seq] = at
	if s.ordered && seq+1 < b.top {
		b.reordered++
	} else {
		b.top = max(b.top, seq+1)
	}
	if s.spec.Rate > 0 {
		s.peers[peer].Received(intended, actual, at, bytes)
	} else {
		s.peers[peer].ReceivedClosedLoop(actual, at, s.spec.ExpectedInterval, bytes)
	}
	s.mu.Unlock()
	if s.spec.Observe != nil {
		s.spec.Observe(peer, load.Stamp{Seq: seq, Intended: intended, Actual: actual})
	}
	return true
}

// count is how many distinct messages the peers got, summed.
func (s *sink) count() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := int64(0)
	for _, b := range s.boxes {
		n += int64(len(b.first))
	}
	return n
}

// sentCount is how many messages were handed over.
func (s *sink) sentCount() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.log))
}

// outcome assembles what was recorded; call it once every sender and
// receiver has finished.
func (s *sink) outcome() *load.Outcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &load.Outcome{Spec: s.spec.Spec, Start: s.tl.Start, Window: s.tl.Window, End: s.tl.End,
		Send: s.send, Recv: record.New(record.Options{Start: s.tl.Window}), ByPeer: map[string]*record.Recorder{}}
	for i, r := range s.peers {
		_ = o.Recv.Merge(r) // cannot fail: every recorder of a run has the default scale
		o.ByPeer[s.names[i]] = r
	}
	var lost int64
	o.Loss, o.Peers, lost = s.account()
	o.Recv.Lost(lost)
	return o
}

// account compares what was sent with what the peers got, as load does:
// Sent and Missing cover the whole run, warmup included; windowLost counts
// the losses of messages due in the window, for Recorder.Lost.
func (s *sink) account() (total load.Loss, peers []load.PeerLoss, windowLost int64) {
	total = load.Loss{Sent: int64(len(s.log))}
	peers = make([]load.PeerLoss, len(s.boxes))
	missed := func(m sentMsg) {
		total.Missing = append(total.Missing, m.seq)
		if s.inWindow(m.intended) {
			windowLost++
		}
	}
	for i, b := range s.boxes {
		peers[i] = load.PeerLoss{Peer: i, Loss: load.Loss{Received: int64(len(b.first)), Duplicated: b.dups, Reordered: b.reordered}}
		if s.owed != owedOne {
			peers[i].Sent = total.Sent
		}
		total.Duplicated += b.dups
		total.Reordered += b.reordered
	}
	for _, m := range s.log {
		switch s.owed {
		case owedOne:
			peers[m.peer].Sent++
			if _, ok := s.boxes[m.peer].first[m.seq]; ok {
				total.Received++
			} else {
				peers[m.peer].Missing = append(peers[m.peer].Missing, m.seq)
				missed(m)
			}
		case owedAny:
			held := 0
			for _, b := range s.boxes {
				if _, ok := b.first[m.seq]; ok {
					held++
				}
			}
			if held == 0 {
				missed(m)
			}
			total.Received += min(int64(held), 1)
			total.Duplicated += int64(max(held-1, 0))
		case owedEach:
			for i, b := range s.boxes {
				if _, ok := b.first[m.seq]; ok {
					total.Received++
				} else {
					peers[i].Missing = append(peers[i].Missing, m.seq)
					missed(m)
				}
			}
		}
	}
	for i := range peers {
		slices.Sort(peers[i].Missing)
		peers[i].Lost = int64(len(peers[i].Missing))
	}
	slices.Sort(total.Missing)
	total.Lost = int64(len(total.Missing))
	return total, peers, windowLost
}
