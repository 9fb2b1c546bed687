package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.nanomsg.org/mangos/v3"
	mtransport "go.nanomsg.org/mangos/v3/transport"
)

// Socket.Listen binds tcp, tls+tcp and ipc addresses with the listener below
// instead of mangos' own. mangos v3.4.2 hands each accepted connection to a
// handshaker whose Close reads a field that the handshake goroutine writes
// without a lock, so closing a listener while a peer is connecting is a data
// race (the race detector finds it whenever a worker redials a control plane
// that is shutting down). This listener does the SP handshake itself, keeps
// the connections that are in it, and on Close closes them and waits for
// their goroutines. Everything after the handshake (the pipe, its framing,
// its limits) is mangos' own, and so are the dialers.
//
// The listener is registered under a scheme of its own, so that bare mangos
// sockets (the raw-mode baselines) keep mangos' listener; Listen maps the
// address's scheme, and the bound address reads tcp:// or tls+tcp:// as usual.
const (
	safeTCP = "nngbench-tcp"
	safeTLS = "nngbench-tls+tcp"
	safeIPC = "nngbench-ipc"
)

// handshakeTimeout bounds the SP (and TLS) handshake of an accepted
// connection: a peer that connects and says nothing is dropped instead of
// holding a goroutine until the listener closes.
const handshakeTimeout = 10 * time.Second

// settleTimeout bounds how long Close waits for mangos to add the pipes
// already accepted: moments, unless mangos itself is stuck.
const settleTimeout = 5 * time.Second

func init() {
	mtransport.RegisterTransport(safeTransport{scheme: safeTCP, wire: "tcp"})
	mtransport.RegisterTransport(safeTransport{scheme: safeTLS, wire: "tls+tcp", tls: true})
	mtransport.RegisterTransport(safeTransport{scheme: safeIPC, wire: "ipc", ipc: true})
}

// listenAddr returns the address to give mangos for binding addr.
func listenAddr(addr string) string {
	for _, m := range [...]struct{ wire, safe string }{{"tcp", safeTCP}, {"tls+tcp", safeTLS}, {"ipc", safeIPC}} {
		if rest, ok := strings.CutPrefix(addr, m.wire+"://"); ok {
			return m.safe + "://" + rest
		}
	}
	return addr
}

// safeTransport is a mangos transport that only listens.
type safeTransport struct {
	scheme, wire string
	tls          bool
	ipc          bool // a unix socket, with mangos' ipc framing
}

func (t safeTransport) Scheme() string { return t.scheme }

func (t safeTransport) NewDialer(string, mangos.Socket) (mtransport.Dialer, error) {
	return nil, fmt.Errorf("transport: %s only listens; dial %s:// instead: %w", t.scheme, t.wire, mangos.ErrBadTran)
}

func (t safeTransport) NewListener(addr string, sock mangos.Socket) (mtransport.Listener, error) {
	hostPort, err := mtransport.StripScheme(t, addr)
	if err != nil {
		return nil, err
	}
	if t.ipc && hostPort == "" {
		return nil, mangos.ErrBadTran
	}
	if !t.ipc {
		if _, err := mtransport.ResolveTCPAddr(hostPort); err != nil {
			return nil, err
		}
	}
	return &listener{
		t:       t,
		addr:    hostPort,
		proto:   sock.Info(),
		pipeCfg: defaultPipeConfig(),
		pending: map[net.Conn]struct{}{},
		ready:   make(chan mtransport.Pipe),
		closed:  make(chan struct{}),
	}, nil
}

type listener struct {
	t     safeTransport
	addr  string
	proto mtransport.ProtocolInfo

	mu      sync.Mutex
	lc      net.ListenConfig
	maxRecv int
	pipeCfg pipeConfig
	tlsCfg  *tls.Config
	l       net.Listener
	pending map[net.Conn]struct{} // accepted, handshake under way

	wg     sync.WaitGroup // the accept loop and every handshake
	ready  chan mtransport.Pipe
	closed chan struct{}
	once   sync.Once

	unsettled atomic.Int64 // pipes Accept handed out that mangos has not yet added (or closed)
}

// optListener is a private option through which Socket finds its listener
// behind mangos' (which passes unknown options down).
const optListener = "nngbench-listener"

// settle waits, up to d, until mangos has added (or dropped) every pipe
// Accept handed out. mangos v3.4.2 deadlocks its accept goroutine when the
// socket closes a pipe between taking it from Accept and adding it (addPipe
// locks the pipe twice), so Socket.Close closes the listeners, settles, and
// only then closes the socket.
func (l *listener) settle(d time.Duration) {
	if l.unsettled.Load() == 0 {
		return
	}
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	poll := time.NewTicker(100 * time.Microsecond)
	defer poll.Stop()
	for l.unsettled.Load() > 0 {
		select {
		case <-poll.C:
		case <-deadline.C:
			return
		}
	}
}

func (l *listener) Listen() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.closed:
		return mangos.ErrClosed
	default:
	}
	if l.l != nil {
		return mangos.ErrAddrInUse
	}
	if l.t.tls {
		if l.tlsCfg == nil {
			return mangos.ErrTLSNoConfig
		}
		if len(l.tlsCfg.Certificates) == 0 && l.tlsCfg.GetCertificate == nil {
			return mangos.ErrTLSNoCert
		}
	}
	inner, err := l.listen()
	if err != nil {
		return err
	}
	l.l = inner
	if l.t.tls {
		l.l = tls.NewListener(inner, l.tlsCfg)
	}
	l.wg.Add(1)
	go l.accept(l.l)
	return nil
}

// listen binds the address: tcp, or a unix socket, replacing the file of one
// that nobody listens on any more (a crashed process leaves it), as mangos does.
func (l *listener) listen() (net.Listener, error) {
	if !l.t.ipc {
		return l.lc.Listen(context.Background(), "tcp", l.addr)
	}
	nl, err := l.lc.Listen(context.Background(), "unix", l.addr)
	if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
		return nl, err
	}
	if st, serr := os.Stat(l.addr); serr != nil || st.Mode()&os.ModeSocket == 0 {
		return nil, mangos.ErrAddrInUse // not a socket: not ours to remove
	}
	c, derr := net.DialTimeout("unix", l.addr, 100*time.Millisecond)
	if derr == nil {
		_ = c.Close()
		return nil, mangos.ErrAddrInUse // somebody listens there
	}
	if !errors.Is(derr, syscall.ECONNREFUSED) {
		return nil, mangos.ErrAddrInUse
	}
	if err := os.Remove(l.addr); err != nil {
		return nil, err
	}
	return l.lc.Listen(context.Background(), "unix", l.addr)
}

func (l *listener) accept(nl net.Listener) {
	defer l.wg.Done()
	for {
		c, err := nl.Accept()
		if err != nil {
			// Closed, or out of file descriptors: back off a little, as
			// mangos does, rather than spin.
			t := time.NewTimer(time.Millisecond)
			select {
			case <-l.closed:
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		l.mu.Lock()
		select {
		case <-l.closed:
			l.mu.Unlock()
			_ = c.Close()
			return
		default:
		}
		l.pending[c] = struct{}{}
		l.wg.Add(1) // the accept loop's own count keeps the group above zero
		maxRecv, cfg := l.maxRecv, l.pipeCfg
		l.mu.Unlock()
		go l.handshake(c, maxRecv, cfg)
	}
}

func (l *listener) handshake(c net.Conn, maxRecv int, cfg pipeConfig) {
	defer l.wg.Done()
	p, err := l.negotiate(c, maxRecv, cfg)
	l.mu.Lock()
	delete(l.pending, c)
	l.mu.Unlock()
	if err != nil {
		_ = c.Close()
		return
	}
	select {
	case l.ready <- p:
	case <-l.closed:
		_ = p.Close()
	}
}

// negotiate exchanges the 8-byte SP headers (RFC sp-tcp-mapping: 0, 'S',
// 'P', version 0, the protocol number, two reserved zero bytes).
func (l *listener) negotiate(c net.Conn, maxRecv int, cfg pipeConfig) (*pipe, error) {
	if err := c.SetDeadline(time.Now().Add(handshakeTimeout)); err != nil {
		return nil, err
	}
	raw := c
	if tc, ok := c.(*tls.Conn); ok {
		raw = tc.NetConn()
		if err := tc.Handshake(); err != nil {
			// Counted (for a refused certificate) where tlsconf's check is
			// wrapped; logged here, where the peer's address is known.
			cfg.log.Warn("refused a TLS peer", "peer", c.RemoteAddr().String(), "reason", err.Error())
			return nil, err
		}
	}
	hdr := [8]byte{0, 'S', 'P', 0, byte(l.proto.Self >> 8), byte(l.proto.Self)}
	if _, err := c.Write(hdr[:]); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return nil, err
	}
	switch {
	case hdr[0] != 0 || hdr[1] != 'S' || hdr[2] != 'P' || hdr[6] != 0 || hdr[7] != 0:
		return nil, mangos.ErrBadHeader
	case hdr[3] != 0:
		return nil, mangos.ErrBadVersion
	case uint16(hdr[4])<<8|uint16(hdr[5]) != l.proto.Peer:
		return nil, mangos.ErrBadProto
	}
	if err := c.SetDeadline(time.Time{}); err != nil {
		return nil, err
	}
	return newPipe(c, raw, l.t.ipc, maxRecv, l.proto.Self, cfg), nil
}

func (l *listener) Accept() (mtransport.Pipe, error) {
	select {
	case p := <-l.ready:
		l.unsettled.Add(1)
		p.(*pipe).onSettle = func() { l.unsettled.Add(-1) }
		return p, nil
	case <-l.closed:
		return nil, mangos.ErrClosed
	}
}

// Close stops accepting, ends the handshakes under way and waits for them,
// so that nothing of the listener runs after it returns.
func (l *listener) Close() error {
	l.once.Do(func() {
		l.mu.Lock()
		close(l.closed)
		if l.l != nil {
			_ = l.l.Close()
		}
		for c := range l.pending {
			_ = c.Close()
		}
		l.mu.Unlock()
		l.wg.Wait()
	})
	return nil
}

func (l *listener) Address() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.l != nil {
		return l.t.wire + "://" + l.l.Addr().String()
	}
	return l.t.wire + "://" + l.addr
}

func (l *listener) SetOption(name string, v any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	ok := false
	switch name {
	case optPipeConfig:
		var cfg pipeConfig
		if cfg, ok = v.(pipeConfig); ok {
			l.pipeCfg = cfg
		}
	case mangos.OptionMaxRecvSize:
		var n int
		if n, ok = v.(int); ok {
			l.maxRecv = n
		}
	case mangos.OptionKeepAliveTime:
		if l.t.ipc {
			return mangos.ErrBadOption
		}
		var d time.Duration
		if d, ok = v.(time.Duration); ok {
			l.lc.KeepAlive = d
		}
	case mangos.OptionKeepAlive:
		if l.t.ipc {
			return mangos.ErrBadOption
		}
		var on bool
		if on, ok = v.(bool); ok {
			l.lc.KeepAlive = -1 // net.ListenConfig: negative disables, 0 is the default period
			if on {
				l.lc.KeepAlive = 0
			}
		}
	case mangos.OptionNoDelay: // Go sets TCP_NODELAY on every connection
		if l.t.ipc {
			return mangos.ErrBadOption
		}
		_, ok = v.(bool)
	case mangos.OptionTLSConfig:
		if !l.t.tls {
			return mangos.ErrBadOption
		}
		var cfg *tls.Config
		if cfg, ok = v.(*tls.Config); ok {
			l.tlsCfg = cfg
		}
	default:
		return mangos.ErrBadOption
	}
	if !ok {
		return mangos.ErrBadValue
	}
	return nil
}

func (l *listener) GetOption(name string) (any, error) {
	if name == optListener {
		return l, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch name {
	case mangos.OptionMaxRecvSize:
		return l.maxRecv, nil
	case mangos.OptionKeepAliveTime:
		if !l.t.ipc {
			return l.lc.KeepAlive, nil
		}
	case mangos.OptionKeepAlive:
		if !l.t.ipc {
			return l.lc.KeepAlive >= 0, nil
		}
	case mangos.OptionNoDelay:
		if !l.t.ipc {
			return true, nil
		}
	case mangos.OptionTLSConfig:
		if l.t.tls {
			return l.tlsCfg, nil
		}
	}
	return nil, mangos.ErrBadOption
}
