package testkit

import (
	"encoding/binary"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3"

	"github.com/nngbench/nngbench/impl/envelope"
)

// Flooder is a peer that speaks REQ over a bare tcp connection, pipelines
// requests and never reads a reply: the careless or hostile client of
// issue 12.
type Flooder struct {
	// Local is the flooder's own address, as the server sees it (a peer label).
	Local   string
	written atomic.Int64
	done    chan struct{} // closed when every request is written or the write failed
}

// Flood connects to addr (tcp://) and writes n requests for endpoint in the
// background; the connection stays open until the test ends.
func Flood(t testing.TB, addr, endpoint string, n int) *Flooder {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(addr, "tcp://"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return FloodConn(t, c, endpoint, n)
}

// FloodConn floods over c, a connection the server dialed and the test
// accepted: it does the REQ side of the handshake, then as Flood.
func FloodConn(t testing.TB, c net.Conn, endpoint string, n int) *Flooder {
	t.Helper()
	// A small receive buffer, so that unread replies back up at once.
	if err := c.(*net.TCPConn).SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte{0, 'S', 'P', 0, byte(mangos.ProtoReq >> 8), byte(mangos.ProtoReq), 0, 0}); err != nil {
		t.Fatal(err)
	}
	var hdr [8]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		t.Fatal(err)
	}
	f := &Flooder{Local: c.LocalAddr().String(), done: make(chan struct{})}
	go f.write(c, endpoint, n)
	return f
}

func (f *Flooder) write(c net.Conn, endpoint string, n int) {
	defer close(f.done)
	var buf []byte
	for i := range n {
		body, err := envelope.New(envelope.Request, "flooder", endpoint, nil).AppendJSON(nil)
		if err != nil {
			return
		}
		buf = binary.BigEndian.AppendUint64(buf, uint64(4+len(body)))
		buf = binary.BigEndian.AppendUint32(buf, 0x80000000|uint32(i+1)) // REQ's request id
		buf = append(buf, body...)
		if len(buf) > 64<<10 || i == n-1 {
			if _, err := c.Write(buf); err != nil {
				return
			}
			f.written.Store(int64(i + 1))
			buf = buf[:0]
		}
	}
}

// Written is how many requests are written so far.
func (f *Flooder) Written() int { return int(f.written.Load()) }

// Done is closed once every request is written, or writing failed.
func (f *Flooder) Done() <-chan struct{} { return f.done }
