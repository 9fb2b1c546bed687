package transport_test

import (
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3"
	"go.nanomsg.org/mangos/v3/protocol/bus"
	"go.nanomsg.org/mangos/v3/protocol/pub"
	"go.nanomsg.org/mangos/v3/protocol/pull"
	"go.nanomsg.org/mangos/v3/protocol/push"
	"go.nanomsg.org/mangos/v3/protocol/respondent"
	"go.nanomsg.org/mangos/v3/protocol/sub"
	"go.nanomsg.org/mangos/v3/protocol/surveyor"

	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/transport"
	"github.com/nngbench/nngbench/internal/wait"
)

// stuckPeer connects to addr, completes the SP handshake as protocol proto
// and then reads nothing, with a small receive buffer so that what is sent
// to it backs up at once. It returns its address as the listener sees it.
func stuckPeer(t *testing.T, addr string, proto uint16) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(addr, "tcp://"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.(*net.TCPConn).SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(spHeader(proto)); err != nil {
		t.Fatal(err)
	}
	var h [8]byte
	if _, err := io.ReadFull(c, h[:]); err != nil {
		t.Fatal(err)
	}
	return c.LocalAddr().String()
}

// TestStuckPeerCostsOnlyItself: on every protocol that sends, a peer that
// reads nothing neither blocks the sender nor starves a healthy peer; on
// those that drop (pub, bus, surveyor) what it could not take is dropped
// and counted for it, and on push (which must not drop) it is disconnected
// once a send to it has made no progress for SendTimeout, and counted.
func TestStuckPeerCostsOnlyItself(t *testing.T) {
	type newSock func() (mangos.Socket, error)
	for _, tc := range []struct {
		name       string
		sender     newSock
		healthy    newSock // dials the sender and reads everything
		peerProto  uint16  // the stuck peer's protocol
		disconnect bool    // counted as a disconnection rather than drops
	}{
		{"pub", pub.NewSocket, subAll, mangos.ProtoSub, false},
		{"bus", bus.NewSocket, bus.NewSocket, mangos.ProtoBus, false},
		{"surveyor", surveyor.NewSocket, respondent.NewSocket, mangos.ProtoRespondent, false},
		{"push", push.NewSocket, pull.NewSocket, mangos.ProtoPull, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := tc.sender()
			if err != nil {
				t.Fatal(err)
			}
			reg := metrics.NewRegistry()
			s, err := transport.Open(raw, "sender", transport.Options{SendTimeout: 2 * time.Second}, reg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			addr, err := s.Listen("tcp://127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			stuck := stuckPeer(t, addr, tc.peerProto)
			h, err := tc.healthy()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { h.Close() })
			var got atomic.Int64
			go func() {
				for {
					if _, err := h.Recv(); err != nil {
						return
					}
					got.Add(1)
				}
			}()
			if err := h.Dial(addr); err != nil {
				t.Fatal(err)
			}
			wait.Until(t, 5*time.Second, "both peers connected", func() bool { return s.M.Connections() == 2 })

			// 20 MiB in all, far more than the stuck peer's buffers hold.
			body := make([]byte, 4<<10)
			const n = 5000
			start := time.Now()
			for i := range n {
				m := mangos.NewMessage(len(body))
				m.Body = append(m.Body, body...)
				if err := s.Send(nil, m); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			took := time.Since(start)
			wait.Until(t, 10*time.Second, "the healthy peer receives", func() bool { return got.Load() > 0 })
			lost := func() (p metrics.PeerStats) {
				st, _ := reg.Snapshot().Socket("sender")
				for _, p := range st.Peers {
					if p.Address == stuck {
						return p
					}
				}
				return p
			}
			wait.Until(t, 10*time.Second, "the stuck peer's losses counted", func() bool {
				if p := lost(); tc.disconnect {
					return p.Stalled > 0 && !p.Live
				} else {
					return p.Dropped > 0
				}
			})
			t.Logf("%d sends took %v; the healthy peer received %d; the stuck peer: %+v", n, took, got.Load(), lost())
			for _, p := range func() []metrics.PeerStats { st, _ := reg.Snapshot().Socket("sender"); return st.Peers }() {
				if p.Address != stuck && p.Stalled > 0 {
					t.Errorf("healthy peer %s disconnected as stalled", p.Address)
				}
			}
		})
	}
}

func subAll() (mangos.Socket, error) {
	s, err := sub.NewSocket()
	if err == nil {
		err = s.SetOption(mangos.OptionSubscribe, []byte{})
	}
	return s, err
}
