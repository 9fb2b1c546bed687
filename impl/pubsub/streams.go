package pubsub

import (
	"sync/atomic"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/metrics"
)

// SubscriberStats counts what a subscriber received and what it knows it
// missed.
type SubscriberStats struct {
	Received  uint64 // envelopes decoded and delivered
	Dropped   uint64 // messages missing from sequence gaps, per (sender, topic)
	Reordered uint64 // envelopes whose seq was not above the last seen (seq 1 is a restart, not counted)
}

// streams finds sequence gaps per (sender, topic). Only the inbox's reader
// goroutine calls track, so the maps need no lock; the counters are
// atomic because Stats reads them from anywhere.
type streams struct {
	last map[string]map[string]*uint64 // sender -> topic -> last seq seen

	received, dropped, reordered atomic.Uint64
	m                            *metrics.Socket
}

func newStreams(m *metrics.Socket) *streams {
	return &streams{last: make(map[string]map[string]*uint64), m: m}
}

// track accounts for e received under topic. Losses before the first
// message of a stream and after the last one received are invisible here:
// only a later message reveals a gap.
func (s *streams) track(e *envelope.Envelope, topic []byte) {
	s.received.Add(1)
	if e.Seq == 0 {
		return
	}
	topics := s.last[e.Sender]
	if topics == nil {
		topics = make(map[string]*uint64)
		s.last[e.Sender] = topics
	}
	last := topics[string(topic)] // no allocation for the lookup
	if last == nil {
		seq := e.Seq
		topics[string(topic)] = &seq
		return
	}
	switch {
	case e.Seq > *last+1:
		n := e.Seq - *last - 1
		s.dropped.Add(n)
		s.m.Dropped(n)
		*last = e.Seq
	case e.Seq == *last+1:
		*last = e.Seq
	case e.Seq == 1:
		// The publisher restarted: its numbering starts over.
		*last = 1
	default:
		// Late or repeated: delivered, but a gap counted for it stays
		// counted, as the stream keeps no history.
		s.reordered.Add(1)
	}
}

func (s *streams) stats() SubscriberStats {
	return SubscriberStats{
		Received:  s.received.Load(),
		Dropped:   s.dropped.Load(),
		Reordered: s.reordered.Load(),
	}
}
