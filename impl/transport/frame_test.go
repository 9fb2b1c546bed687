package transport_test

import (
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3"
	"go.nanomsg.org/mangos/v3/protocol/pull"

	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/transport"
)

// TestFrameDeadline: a frame that stops arriving for FrameTimeout is cut
// off, in its header or its body, and counted; a connection idle between
// frames, or a frame whose bytes keep coming more slowly than it takes in
// all, is left alone.
func TestFrameDeadline(t *testing.T) {
	const cutAfter = 200 * time.Millisecond
	frame := func(body string) []byte {
		return append(binary.BigEndian.AppendUint64(nil, uint64(len(body))), body...)
	}
	for _, tc := range []struct {
		name string
		send func(c net.Conn) // what the peer does after the handshake
		cut  bool
	}{
		{"stops in the header", func(c net.Conn) { _, _ = c.Write(frame("hello")[:3]) }, true},
		{"stops in the body", func(c net.Conn) { _, _ = c.Write(frame("hello")[:10]) }, true},
		{"idle, then a whole frame", func(c net.Conn) {
			time.Sleep(3 * cutAfter) // idle is no frame: nothing to cut
			_, _ = c.Write(frame("hello"))
		}, false},
		{"slow but steady", func(c net.Conn) {
			for _, b := range frame("hello") {
				_, _ = c.Write([]byte{b})
				time.Sleep(cutAfter / 4) // each byte well within the deadline, the frame not
			}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := pull.NewSocket()
			if err != nil {
				t.Fatal(err)
			}
			reg := metrics.NewRegistry()
			s, err := transport.Open(raw, "puller", transport.Options{FrameTimeout: cutAfter}, reg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if err := raw.SetOption(mangos.OptionRecvDeadline, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			addr, err := s.Listen("tcp://127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			c, err := net.DialTimeout("tcp", strings.TrimPrefix(addr, "tcp://"), time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write(spHeader(mangos.ProtoPush)); err != nil {
				t.Fatal(err)
			}
			var h [8]byte
			if _, err := io.ReadFull(c, h[:]); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			tc.send(c)
			if !tc.cut {
				m, err := raw.Recv()
				if err != nil || string(m) != "hello" {
					t.Fatalf("Recv = %q, %v; want hello", m, err)
				}
				if st, _ := reg.Snapshot().Socket("puller"); st.Errors["frame_timeout"] != 0 {
					t.Fatalf("a frame was cut: %v", st.Errors)
				}
				return
			}
			if err := c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Read(h[:1]); err == nil {
				t.Fatal("the listener sent data instead of closing")
			}
			took := time.Since(start)
			if took < cutAfter {
				t.Fatalf("cut after %v, before the deadline of %v", took, cutAfter)
			}
			if st, _ := reg.Snapshot().Socket("puller"); st.Errors["frame_timeout"] != 1 {
				t.Fatalf("frame_timeout errors %d, want 1 (%v)", st.Errors["frame_timeout"], st.Errors)
			}
			t.Logf("cut %v after the last byte (deadline %v)", took, cutAfter)
		})
	}
}
