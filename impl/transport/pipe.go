package transport

import (
	"crypto/tls"
	"encoding/binary"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.nanomsg.org/mangos/v3"

	"github.com/nngbench/nngbench/impl/metrics"
)

// The framing below is the SP mapping mangos' tcp and ipc transports use (a
// 64-bit big-endian length, then header and body; ipc puts a byte 1 before
// the length), so every peer speaks to it unchanged. It is ours, on the
// connections our listeners accept, for what mangos' own does not bound:
//   - memory: a frame's declared size comes out of the process's Budget
//     before its body is buffered, and goes back once the protocol has taken
//     the message;
//   - time: a frame that stops arriving for FrameTimeout is cut off (the
//     connection is closed), and so is a connection whose send has made no
//     progress for SendTimeout;
//   - stalls: on the protocols that may drop a message for a peer that
//     does not read (pub, rep, surveyor, respondent, bus), a send is queued
//     (bounded in messages and bytes) and written by a goroutine of the
//     pipe's own, so a peer that does not read never blocks the protocol:
//     what does not fit is dropped and counted for that peer.

// chunk is the most a single read moves before the pipe records progress
// (a read returns what has arrived, so progress is seen sooner anyway).
const chunk = 1 << 20

// smallFrame is the largest frame that does not wait for the budget: such
// frames (heartbeats, requests, replies, most task batches) are bounded per
// connection already, and letting them through means that a peer holding
// the budget delays nobody's small messages, only large frames.
const smallFrame = 64 << 10

// minFrameRate is the slowest a large frame may arrive on average (after
// FrameTimeout of grace): a peer that trickles a frame to hold the budget
// holds it for a bounded time. 1 MiB/s: a 128 MiB frame has 138 s.
const minFrameRate = 1 << 20

// writeChunk is the most one write moves: a write returns only once all of
// it is in the kernel, so this is the grain of a send's progress (1 s at
// 64 KiB/s, a bandwidth fault's rate).
const writeChunk = 64 << 10

// pipeConfig is what a listener gives each pipe it accepts; Socket.Listen
// passes it down as a private option.
type pipeConfig struct {
	budget       *Budget
	frameTimeout time.Duration
	sendTimeout  time.Duration
	queueLen     int // messages queued for a lossy protocol's peer
	queueBytes   int // bytes queued for it (one message always fits)
	m            *metrics.Socket
	log          *slog.Logger
}

const optPipeConfig = "nngbench-pipe-config"

// pipeConfigOf is what a socket with options o gives its listeners' pipes.
func pipeConfigOf(o Options, m *metrics.Socket) pipeConfig {
	budget := o.Budget
	if budget == nil {
		budget = ProcessBudget()
	}
	budget.ensure(2 * int64(o.MaxMessageSize))
	qlen := o.WriteQueue
	if qlen == 0 {
		qlen = defaultPeerQueueLen
	}
	return pipeConfig{
		budget: budget, frameTimeout: o.FrameTimeout, sendTimeout: o.SendTimeout,
		queueLen: qlen, queueBytes: o.PeerQueueBytes, m: m, log: o.Logger,
	}
}

// defaultPipeConfig serves a listener that was not given one (one opened
// through mangos directly rather than Socket.Listen).
func defaultPipeConfig() pipeConfig {
	return pipeConfigOf(Options{}.WithDefaults(), nil)
}

// lossy reports whether proto may drop a message for a peer that cannot
// take it now: the protocols whose mangos send queues already drop, or
// whose sender has nobody else to send a reply to.
func lossy(proto uint16) bool {
	switch proto {
	case mangos.ProtoPub, mangos.ProtoRep, mangos.ProtoSurveyor, mangos.ProtoRespondent, mangos.ProtoBus, mangos.ProtoStar:
		return true
	}
	return false
}

// epoch makes the pipe's timestamps small monotonic numbers (0 = none).
var epoch = time.Now()

func now() int64 { return int64(time.Since(epoch)) + 1 }

type pipe struct {
	c       net.Conn
	raw     net.Conn // c, or the connection under its TLS: closing it never blocks
	ipc     bool
	cfg     pipeConfig
	maxRecv int
	opts    map[string]any // for GetOption
	peer    *metrics.Peer
	lossy   bool

	// held is the budget taken by the frame being received or last received
	// (until the next Recv: mangos asks for the next frame only once the
	// protocol has taken the last). Close gives it back too.
	held atomic.Int64

	// Progress stamps read by the watchdog: when the frame being received,
	// or the send in progress, last moved (0: none under way).
	recvAt, sendAt atomic.Int64
	recvBy         atomic.Int64               // when the large frame being received must be complete (0: none)
	watchdog       atomic.Pointer[time.Timer] // set before it can first fire

	closed   chan struct{}
	once     sync.Once
	onSettle func() // set by Accept, before mangos has the pipe
	settled  sync.Once

	// The send queue of a lossy protocol and its writer.
	qmu      sync.Mutex
	q, spare []*mangos.Message
	qbytes   int
	wake     chan struct{}
	writerWG sync.WaitGroup
}

func newPipe(c, raw net.Conn, ipc bool, maxRecv int, proto uint16, cfg pipeConfig) *pipe {
	p := &pipe{
		c: c, raw: raw, ipc: ipc, cfg: cfg, maxRecv: maxRecv, lossy: lossy(proto),
		opts: map[string]any{
			mangos.OptionMaxRecvSize: maxRecv,
			mangos.OptionLocalAddr:   c.LocalAddr(),
			mangos.OptionRemoteAddr:  c.RemoteAddr(),
		},
		peer:   cfg.m.Peer(c.RemoteAddr().String()),
		closed: make(chan struct{}),
	}
	if tc, ok := c.(*tls.Conn); ok {
		p.opts[mangos.OptionTLSConnState] = tc.ConnectionState()
	}
	p.watchdog.Store(time.AfterFunc(time.Hour, p.watch))
	p.watchdog.Load().Reset(p.tick())
	if p.lossy {
		p.wake = make(chan struct{}, 1)
		p.writerWG.Add(1)
		go p.writer()
	}
	return p
}

// tick is how often the watchdog looks: a deadline is enforced within a
// quarter of itself.
func (p *pipe) tick() time.Duration {
	return max(time.Millisecond, min(p.cfg.frameTimeout, p.cfg.sendTimeout)/4)
}

func (p *pipe) watch() {
	select {
	case <-p.closed:
		return
	default:
	}
	t := now()
	if by := p.recvBy.Load(); by != 0 && t > by {
		p.peer.FrameCut()
		p.cfg.log.Warn("cut off a frame that arrives too slowly", "peer", p.c.RemoteAddr().String(),
			"min_rate_bytes_per_s", minFrameRate)
		_ = p.Close()
		return
	}
	if at := p.recvAt.Load(); at != 0 && time.Duration(t-at) > p.cfg.frameTimeout {
		p.peer.FrameCut()
		p.cfg.log.Warn("cut off a frame that stopped arriving", "peer", p.c.RemoteAddr().String(),
			"after", p.cfg.frameTimeout)
		_ = p.Close()
		return
	}
	if at := p.sendAt.Load(); at != 0 && time.Duration(t-at) > p.cfg.sendTimeout {
		p.peer.Stalled()
		p.cfg.log.Warn("disconnected a peer that does not read", "peer", p.c.RemoteAddr().String(),
			"after", p.cfg.sendTimeout)
		_ = p.Close()
		return
	}
	p.watchdog.Load().Reset(p.tick())
}

func (p *pipe) settle() {
	if p.onSettle != nil {
		p.settled.Do(p.onSettle)
	}
}

// Recv reads one frame. Waiting for a frame to begin has no deadline (an
// idle connection is fine); once its first byte is in, the frame must keep
// arriving.
func (p *pipe) Recv() (*mangos.Message, error) {
	p.settle()
	p.cfg.budget.Release(p.held.Swap(0)) // the protocol has taken the last message
	var hdr [9]byte
	h := hdr[1:]
	if p.ipc {
		h = hdr[:]
	}
	n, err := p.c.Read(h)
	if err != nil {
		return nil, err
	}
	p.recvAt.Store(now())
	if err := p.readFull(h[n:]); err != nil {
		return nil, err
	}
	sz := binary.BigEndian.Uint64(h[len(h)-8:])
	if sz > uint64(p.maxRecv) && p.maxRecv > 0 || sz > 1<<62 {
		p.recvAt.Store(0)
		return nil, mangos.ErrTooLong
	}
	if sz > smallFrame {
		// While it waits for the budget the pipe reads nothing, so the
		// peer is held back by flow control and not at fault: the clock
		// stops.
		p.recvAt.Store(0)
		if err := p.cfg.budget.Acquire(int64(sz), p.closed); err != nil {
			return nil, mangos.ErrClosed
		}
		p.held.Store(int64(sz))
		select {
		case <-p.closed: // Close may have given back what was held before the Store
			p.cfg.budget.Release(p.held.Swap(0))
			return nil, mangos.ErrClosed
		default:
		}
		// However steadily it trickles, a large frame holds the budget for
		// a bounded time: FrameTimeout plus its size at minFrameRate.
		p.recvBy.Store(now() + int64(p.cfg.frameTimeout) + int64(sz)*int64(time.Second)/minFrameRate)
	}
	p.recvAt.Store(now())
	m := mangos.NewMessage(int(sz))
	m.Body = m.Body[:sz]
	if err := p.readFull(m.Body); err != nil {
		m.Free()
		p.recvBy.Store(0)
		p.cfg.budget.Release(p.held.Swap(0))
		return nil, err
	}
	p.recvAt.Store(0)
	p.recvBy.Store(0)
	return m, nil
}

// readFull reads b, recording progress after every read.
func (p *pipe) readFull(b []byte) error {
	for len(b) > 0 {
		n, err := p.c.Read(b[:min(len(b), chunk)])
		if n > 0 {
			p.recvAt.Store(now())
			b = b[n:]
		}
		if err != nil && len(b) > 0 {
			return err
		}
	}
	return nil
}

// Send writes m, or for a lossy protocol queues it; a message that does
// not fit the queue of a peer that does not read is dropped and counted.
//
// A message of up to writeChunk bytes is written here, in one frame of
// Send's own, as mangos' own pipe does: mangos' push sends every message
// on a goroutine of its own, whose stack starts at 2 KiB, and a deeper
// path down to writev (p.write's batch loop) grew and copied that stack on
// every message, 0.6-0.9x of mangos' push rate. On an error the message is
// the caller's to free, as with mangos' pipe.
func (p *pipe) Send(m *mangos.Message) error {
	if p.lossy {
		return p.enqueue(m)
	}
	size := len(m.Header) + len(m.Body)
	if size > writeChunk {
		return p.sendLarge(m)
	}
	hdr := make([]byte, 9)
	binary.BigEndian.PutUint64(hdr[1:], uint64(size))
	if p.ipc {
		hdr[0] = 1
	} else {
		hdr = hdr[1:]
	}
	bufs := net.Buffers{hdr, m.Header, m.Body}
	p.sendAt.Store(now())
	_, err := bufs.WriteTo(p.c)
	p.sendAt.Store(0)
	if err != nil {
		_ = p.Close()
		return err
	}
	m.Free()
	return nil
}

// sendLarge writes m in writeChunk pieces (p.write), so that a slow reader
// shows progress to the watchdog.
//
//go:noinline
func (p *pipe) sendLarge(m *mangos.Message) error {
	err := p.write([]*mangos.Message{m})
	if err != nil {
		_ = p.Close()
	}
	return err
}

// enqueue queues m for the writer, or drops it when the queue of a peer
// that does not read is full.
func (p *pipe) enqueue(m *mangos.Message) error {
	size := len(m.Header) + len(m.Body)
	p.qmu.Lock()
	select {
	case <-p.closed:
		p.qmu.Unlock()
		return mangos.ErrClosed
	default:
	}
	if len(p.q) > 0 && (len(p.q) >= p.cfg.queueLen || p.qbytes+size > p.cfg.queueBytes) {
		p.qmu.Unlock()
		m.Free()
		p.peer.Dropped()
		return nil
	}
	p.q = append(p.q, m)
	p.qbytes += size
	p.qmu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return nil
}

// writer writes what Send queued, a batch at a time.
func (p *pipe) writer() {
	defer p.writerWG.Done()
	for {
		select {
		case <-p.wake:
		case <-p.closed:
			return
		}
		for {
			p.qmu.Lock()
			batch := p.q
			p.q, p.spare = p.spare[:0], nil
			p.qbytes = 0
			p.qmu.Unlock()
			if len(batch) == 0 {
				break
			}
			if err := p.write(batch); err != nil {
				// Not Close, which waits for this goroutine: closing the
				// connection fails the pipe's Recv, and mangos closes it.
				_ = p.raw.Close()
				return
			}
			clear(batch)
			p.qmu.Lock()
			p.spare = batch[:0]
			p.qmu.Unlock()
		}
	}
}

// write sends msgs as frames and frees them (all of them, on error too).
// Small frames go out in one writev; a large body in chunks, each one
// progress for the watchdog.
func (p *pipe) write(msgs []*mangos.Message) (err error) {
	p.sendAt.Store(now())
	defer func() {
		p.sendAt.Store(0)
		for _, m := range msgs {
			m.Free()
		}
	}()
	hdrs := make([]byte, 0, 9*len(msgs))
	bufs := make(net.Buffers, 0, 3*len(msgs))
	for _, m := range msgs {
		start := len(hdrs)
		if p.ipc {
			hdrs = append(hdrs, 1)
		}
		hdrs = binary.BigEndian.AppendUint64(hdrs, uint64(len(m.Header)+len(m.Body)))
		bufs = append(bufs, hdrs[start:len(hdrs):len(hdrs)], m.Header)
		for b := m.Body; len(b) > 0; b = b[min(len(b), writeChunk):] {
			bufs = append(bufs, b[:min(len(b), writeChunk)])
		}
	}
	for len(bufs) > 0 {
		// Up to writeChunk bytes per write, so a slow reader shows progress.
		n, total := 0, 0
		for n < len(bufs) && (n == 0 || total+len(bufs[n]) <= writeChunk) {
			total += len(bufs[n])
			n++
		}
		part := bufs[:n:n]
		if _, err := part.WriteTo(p.c); err != nil {
			return err
		}
		p.sendAt.Store(now())
		bufs = bufs[n:]
	}
	return nil
}

// Close closes the connection (which ends a Recv or write under way) and
// gives back the budget. It is safe to call more than once.
func (p *pipe) Close() error {
	p.settle()
	var err error
	p.once.Do(func() {
		p.qmu.Lock()
		close(p.closed)
		p.qmu.Unlock()
		p.watchdog.Load().Stop()
		// The bare connection: tls.Conn's Close first sends close_notify,
		// which waits up to 5 s on a peer that does not read.
		err = p.raw.Close()
		p.writerWG.Wait()
		p.qmu.Lock()
		for _, m := range p.q {
			m.Free()
		}
		p.q = nil
		p.qmu.Unlock()
		p.cfg.budget.Release(p.held.Swap(0))
		p.peer.Gone()
	})
	return err
}

// GetOption answers the options mangos' connection pipes answer.
func (p *pipe) GetOption(name string) (any, error) {
	if v, ok := p.opts[name]; ok {
		return v, nil
	}
	return nil, mangos.ErrBadProperty
}
