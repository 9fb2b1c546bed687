package metrics

import (
	"slices"
	"sync/atomic"
)

// keptPeers is how many disconnected peers with losses a socket remembers,
// so that what a peer lost stays visible after it is gone without the label
// set growing with every connection ever made.
const keptPeers = 32

// Peer counts what one connection of a socket lost: messages dropped
// because the peer did not read them (its send queue was full), and
// whether it was disconnected for it. Methods are atomics, no-ops on nil.
type Peer struct {
	s       *Socket
	addr    string
	dropped atomic.Uint64
	stalled atomic.Uint64
	cut     atomic.Uint64
}

// PeerStats are one peer's counters.
type PeerStats struct {
	Address string `json:"address"`
	Live    bool   `json:"live"`
	// Dropped is the messages to the peer dropped because its send queue
	// was full (it did not read them).
	Dropped uint64 `json:"dropped"`
	// Stalled counts disconnections because a send to the peer made no
	// progress for the send deadline.
	Stalled uint64 `json:"stalled"`
	// FramesCut counts frames from the peer cut off because they stopped
	// arriving for the frame deadline.
	FramesCut uint64 `json:"frames_cut"`
}

// Peer registers a live connection to addr and returns its counters; call
// Gone when the connection ends.
func (s *Socket) Peer(addr string) *Peer {
	if s == nil {
		return nil
	}
	p := &Peer{s: s, addr: addr}
	s.mu.Lock()
	s.peers = append(s.peers, p)
	s.mu.Unlock()
	return p
}

// Dropped counts one message to the peer dropped; the socket's dropped
// total counts it too.
func (p *Peer) Dropped() {
	if p != nil {
		p.dropped.Add(1)
		p.s.Dropped(1)
	}
}

// Stalled counts one disconnection for a send that made no progress.
func (p *Peer) Stalled() {
	if p != nil {
		p.stalled.Add(1)
		p.s.Error(KindStalled)
	}
}

// FrameCut counts one frame cut off by the frame deadline.
func (p *Peer) FrameCut() {
	if p != nil {
		p.cut.Add(1)
		p.s.Error(KindFrameTimeout)
	}
}

// Gone ends the connection: a peer that lost nothing is forgotten, one that
// did is kept among the socket's last keptPeers such peers.
func (p *Peer) Gone() {
	if p == nil {
		return
	}
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peers = slices.DeleteFunc(s.peers, func(x *Peer) bool { return x == p })
	st := p.stats(false)
	if st.Dropped+st.Stalled+st.FramesCut == 0 {
		return
	}
	s.gone = append(s.gone, st)
	if len(s.gone) > keptPeers {
		s.gone = slices.Delete(s.gone, 0, len(s.gone)-keptPeers)
	}
}

func (p *Peer) stats(live bool) PeerStats {
	return PeerStats{
		Address: p.addr, Live: live,
		Dropped: p.dropped.Load(), Stalled: p.stalled.Load(), FramesCut: p.cut.Load(),
	}
}

// peerStats lists the live peers, then the kept disconnected ones, one
// entry per address (a port used again adds to what it had), as Prometheus
// refuses two series with the same labels. s.mu is held.
func (s *Socket) peerStats() []PeerStats {
	if len(s.peers)+len(s.gone) == 0 {
		return nil
	}
	out := make([]PeerStats, 0, len(s.peers)+len(s.gone))
	at := make(map[string]int, cap(out))
	add := func(st PeerStats) {
		i, ok := at[st.Address]
		if !ok {
			at[st.Address] = len(out)
			out = append(out, st)
			return
		}
		o := &out[i]
		o.Live = o.Live || st.Live
		o.Dropped += st.Dropped
		o.Stalled += st.Stalled
		o.FramesCut += st.FramesCut
	}
	for _, p := range s.peers {
		add(p.stats(true))
	}
	for _, st := range s.gone {
		add(st)
	}
	return out
}
