package load

import (
	"slices"
	"sync/atomic"
	"time"
)

// sentRec is one message a sender handed to its socket, kept so that loss is counted from what
// was really sent, and so that time-to-last can be taken per message. Times are unix
// nanoseconds: a log of millions must hold no pointer, or every GC cycle scans all of it.
type sentRec struct {
	seq              uint64
	intended, actual int64
}

// sentChunk is how many records a chunk of a sentLog holds (96 KiB).
const sentChunk = 4096

// sentLog is one sender's records in fixed-size chunks: appending never copies what is logged
// already, which a growing slice does again and again in the sender's hot path.
type sentLog struct {
	chunks [][]sentRec
	n      int
}

func (l *sentLog) add(seq uint64, intended, actual time.Time) {
	if len(l.chunks) == 0 || len(l.chunks[len(l.chunks)-1]) == sentChunk {
		l.chunks = append(l.chunks, make([]sentRec, 0, sentChunk))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, sentRec{seq: seq, intended: intended.UnixNano(), actual: actual.UnixNano()})
	l.n++
}

func (l *sentLog) len() int { return l.n }

// appendTo appends every record to dst, in order.
func (l *sentLog) appendTo(dst []sentRec) []sentRec {
	for _, c := range l.chunks {
		dst = append(dst, c...)
	}
	return dst
}

// inbox is what one receiver got, by sequence number. Owned by the receiver's goroutine until it
// ends; unique is read by the drain while it runs, hence atomic.
type inbox struct {
	first     map[uint64]time.Time // first arrival of each sequence
	dups      int64
	reordered int64             // arrivals below the highest sequence already seen from their sender
	top       map[uint32]uint64 // per sender: highest sequence seen, plus one
	unique    atomic.Int64
}

func newInbox() *inbox {
	return &inbox{first: map[uint64]time.Time{}, top: map[uint32]uint64{}}
}

// add files s, received at at, and says whether it is the first copy.
func (b *inbox) add(s Stamp, at time.Time) bool {
	if _, dup := b.first[s.Seq]; dup {
		b.dups++
		return false
	}
	b.first[s.Seq] = at
	b.unique.Add(1)
	// Sequences are per run, and each sender takes them in increasing order, so an arrival below
	// its sender's highest is one that was overtaken.
	if s.Seq+1 < b.top[s.Sender] {
		b.reordered++
	} else {
		b.top[s.Sender] = s.Seq + 1
	}
	return true
}

// Loss counts, from the stamps, what receivers were owed and did not get. Sent and Missing
// cover the whole run, warmup included.
type Loss struct {
	Sent       int64    // messages handed to the socket
	Received   int64    // distinct messages received (summed over receivers that each should have all)
	Lost       int64    // owed but never received
	Duplicated int64    // extra copies
	Reordered  int64    // arrivals overtaken by a later sequence of the same sender
	Missing    []uint64 // the lost sequences, ascending; fan-out: once per peer that missed it
}

// PeerLoss is one receiver's share of Loss. Missing is per peer only when every peer is owed
// every message (pubsub, bus); when any one peer will do (pushpull), loss is only in the total.
type PeerLoss struct {
	Peer int
	Loss
}

// account compares sent with what the inboxes got. each: every inbox is owed every message;
// otherwise one of them is, and a message held by two is a duplicate.
func account(sent []sentRec, boxes []*inbox, each bool) (Loss, []PeerLoss) {
	var total Loss
	peers := make([]PeerLoss, len(boxes))
	total.Sent = int64(len(sent))
	for i, b := range boxes {
		peers[i] = PeerLoss{Peer: i, Loss: Loss{Sent: total.Sent, Received: int64(len(b.first)),
			Duplicated: b.dups, Reordered: b.reordered}}
		total.Duplicated += b.dups
		total.Reordered += b.reordered
	}
	for _, s := range sent {
		held := 0
		for i, b := range boxes {
			if _, ok := b.first[s.seq]; ok {
				held++
			} else if each {
				peers[i].Missing = append(peers[i].Missing, s.seq)
			}
		}
		if each {
			total.Received += int64(held)
			continue
		}
		if held == 0 {
			total.Missing = append(total.Missing, s.seq)
		}
		total.Received += min(int64(held), 1)
		total.Duplicated += int64(max(held-1, 0))
	}
	for i := range peers {
		peers[i].Lost = int64(len(peers[i].Missing))
		slices.Sort(peers[i].Missing)
		if each {
			total.Missing = append(total.Missing, peers[i].Missing...)
		}
	}
	total.Lost = int64(len(total.Missing))
	slices.Sort(total.Missing)
	return total, peers
}
