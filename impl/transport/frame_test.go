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
	"go.nanomsg.org/mangos/v3/protocol/push"

	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/transport"
	"github.com/nngbench/nngbench/internal/wait"
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

// TestBudgetHolderDelaysNoSmallFrame: a peer that trickles a large frame
// holds the whole budget, yet another peer's small messages go through at
// once (small frames never wait for the budget), and the trickle is cut off
// once the frame is later than FrameTimeout plus its size at the minimum
// rate, although its bytes never stopped.
func TestBudgetHolderDelaysNoSmallFrame(t *testing.T) {
	const (
		maxMsg   = 128 << 10
		frameLen = 2 * maxMsg // the whole budget
		grace    = 300 * time.Millisecond
	)
	raw, err := pull.NewSocket()
	if err != nil {
		t.Fatal(err)
	}
	reg := metrics.NewRegistry()
	budget := transport.NewBudget(frameLen)
	s, err := transport.Open(raw, "puller", transport.Options{MaxMessageSize: maxMsg, Budget: budget, FrameTimeout: grace}, reg)
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
	if _, err := c.Write(binary.BigEndian.AppendUint64(nil, frameLen)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	stop := make(chan struct{})
	trickled := make(chan struct{})
	go func() { // 1 KiB every 20 ms: 50 KiB/s, its bytes never stop
		defer close(trickled)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if _, err := c.Write(make([]byte, 1<<10)); err != nil {
				return
			}
			select {
			case <-tick.C:
			case <-stop:
				return
			}
		}
	}()
	defer func() { close(stop); <-trickled }()
	wait.Until(t, 5*time.Second, "the trickle holds the budget", func() bool { return budget.Used() == frameLen })

	peer, err := push.NewSocket()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if err := peer.Dial(addr); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 5*time.Second, "the other peer connected", func() bool { return s.M.Connections() == 2 })
	for i := range 20 {
		sent := time.Now()
		if err := peer.Send([]byte("small")); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Recv(); err != nil {
			t.Fatalf("small message %d: %v", i, err)
		}
		if took := time.Since(sent); took > 100*time.Millisecond && budget.Used() == frameLen {
			t.Errorf("small message %d took %v while the budget was held", i, took)
		}
	}
	wait.Until(t, 10*time.Second, "the trickled frame cut off", func() bool {
		st, _ := reg.Snapshot().Socket("puller")
		return st.Errors["frame_timeout"] == 1
	})
	took := time.Since(start)
	// FrameTimeout plus 256 KiB at 1 MiB/s.
	if want := grace + 250*time.Millisecond; took < want {
		t.Errorf("cut after %v, before its deadline of %v", took, want)
	}
	if budget.Used() != 0 {
		t.Errorf("budget still holds %d bytes after the cut", budget.Used())
	}
	t.Logf("trickled frame cut after %v", took)
}
