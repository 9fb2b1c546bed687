package reqrep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.nanomsg.org/mangos/v3"
	"go.nanomsg.org/mangos/v3/protocol/req"

	"github.com/nngbench/nngbench/impl/breaker"
	"github.com/nngbench/nngbench/impl/clock"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/retry"
	"github.com/nngbench/nngbench/impl/transport"
)

// Client errors.
var (
	ErrTimeout     = errors.New("reqrep: request timed out")
	ErrConnLost    = errors.New("reqrep: connection lost before the reply")
	ErrNoPeer      = errors.New("reqrep: no such peer")
	ErrNoPeers     = errors.New("reqrep: no peers")
	ErrPeerExists  = errors.New("reqrep: peer already added")
	ErrRemote      = errors.New("reqrep: error response")
	ErrClosed      = errors.New("reqrep: client closed")
	ErrBadResponse = errors.New("reqrep: response does not match the request")
)

// RemoteError is an error response from a peer; errors.Is(err, ErrRemote).
type RemoteError struct {
	Peer, Endpoint, Msg string
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("reqrep: %s %s: %s", e.Peer, e.Endpoint, e.Msg)
}

// Unwrap makes errors.Is(err, ErrRemote) hold.
func (e *RemoteError) Unwrap() error { return ErrRemote }

// ClientConfig configures a Client.
type ClientConfig struct {
	Name      string            // sender id in requests; required
	Transport transport.Options // message size limit, TLS, redial backoff
	// Timeout bounds each attempt, from send to reply; default 5s. The
	// caller's ctx deadline, when earlier, bounds it too.
	Timeout time.Duration
	// Retry is how attempts that timed out or lost their connection are retried (same request id, next
	// peer when the call names none); default 3 retries from 100ms, x2, 20% jitter.
	Retry retry.Policy
	// Breaker guards each peer; default: opens after 5 consecutive
	// failures (timeouts, send errors), probes again after 60s.
	Breaker breaker.Config
	// MaxInFlight bounds concurrent requests per peer; default 256.
	MaxInFlight int
	Metrics     *metrics.Registry // nil: a private registry
	Logger      *slog.Logger      // nil: discard
	Clock       clock.Clock       // for backoff and breaker; nil: real time
}

// WithDefaults fills the zero fields.
func (c ClientConfig) WithDefaults() ClientConfig {
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Second
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 256
	}
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	if c.Metrics == nil {
		c.Metrics = metrics.NewRegistry()
	}
	c.Retry = c.Retry.WithDefaults()
	c.Breaker = c.Breaker.WithDefaults()
	return c
}

// Validate names every bad field.
func (c ClientConfig) Validate() error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, errors.New("reqrep: name: required"))
	}
	if c.Timeout <= 0 {
		errs = append(errs, errors.New("reqrep: timeout: must be > 0"))
	}
	if c.MaxInFlight < 1 {
		errs = append(errs, errors.New("reqrep: max_in_flight: must be >= 1"))
	}
	return errors.Join(append(errs, c.Retry.Validate(), c.Breaker.Validate(), c.Transport.WithDefaults().Validate())...)
}

// Client sends requests to named peers.
type Client struct {
	cfg     ClientConfig
	log     *slog.Logger
	retrier retry.Retrier
	rr      atomic.Uint64

	mu     sync.RWMutex
	peers  map[string]*peer
	order  []*peer // for round robin
	closed bool
}

// NewClient returns a client with no peers; add them with AddPeer.
func NewClient(cfg ClientConfig) (*Client, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, log: logging.Component(cfg.Logger, "messaging"), peers: map[string]*peer{}}
	c.retrier = retry.Retrier{
		Policy: cfg.Retry, Clock: cfg.Clock,
		Retryable: retryable,
	}
	return c, nil
}

// retryable errors are those after which the same request may succeed on
// another attempt: the peer did not answer.
func retryable(err error) bool { return errors.Is(err, ErrTimeout) || errors.Is(err, ErrConnLost) }

// AddPeer adds a peer: one REQ socket dialing addrs behind one circuit
// breaker. With several addresses mangos sends each request to a connection
// that is ready, so the peer answers while any of them is up.
func (c *Client) AddPeer(name string, addrs ...string) error {
	if len(addrs) == 0 {
		return fmt.Errorf("reqrep: peer %s: no address", name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if _, ok := c.peers[name]; ok {
		return fmt.Errorf("%w: %s", ErrPeerExists, name)
	}
	p, err := c.newPeer(name, addrs)
	if err != nil {
		return err
	}
	c.peers[name] = p
	c.order = append(c.order, p)
	return nil
}

func (c *Client) newPeer(name string, addrs []string) (*peer, error) {
	raw, err := req.NewSocket()
	if err != nil {
		return nil, fmt.Errorf("reqrep: %w", err)
	}
	// Retries are ours (counted, with backoff and the same request id);
	// mangos' own resend would hide them.
	if err := raw.SetOption(mangos.OptionRetryTime, time.Duration(0)); err != nil {
		raw.Close()
		return nil, fmt.Errorf("reqrep: disable resend: %w", err)
	}
	// Best effort: SendMsg queues the request and returns instead of
	// blocking until a connection takes it, which costs a goroutine handoff
	// and a timer per request; the reply deadline bounds the attempt anyway.
	if err := raw.SetOption(mangos.OptionBestEffort, true); err != nil {
		raw.Close()
		return nil, fmt.Errorf("reqrep: best effort: %w", err)
	}
	sock, err := transport.Open(raw, c.cfg.Name+"->"+name, c.cfg.Transport.WithLogger(c.cfg.Logger), c.cfg.Metrics)
	if err != nil {
		raw.Close()
		return nil, err
	}
	br, err := breaker.New(name, c.cfg.Breaker, c.cfg.Clock)
	if err != nil {
		sock.Close()
		return nil, err
	}
	for _, a := range addrs {
		if err := sock.Dial(a); err != nil {
			sock.Close()
			return nil, fmt.Errorf("reqrep: peer %s: %w", name, err)
		}
	}
	return &peer{name: name, sock: sock, br: br, pool: make(chan *slot, c.cfg.MaxInFlight)}, nil
}

// RemovePeer closes a peer's socket; its requests in flight fail.
func (c *Client) RemovePeer(name string) error {
	c.mu.Lock()
	p, ok := c.peers[name]
	if ok {
		delete(c.peers, name)
		c.order = slices.DeleteFunc(c.order, func(x *peer) bool { return x == p })
	}
	c.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoPeer, name)
	}
	return p.sock.Close()
}

// Peers lists the peers' names in the order they were added.
func (c *Client) Peers() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	names := make([]string, len(c.order))
	for i, p := range c.order {
		names[i] = p.name
	}
	return names
}

// Breaker returns a peer's circuit breaker, or nil.
func (c *Client) Breaker(peer string) *breaker.Breaker {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if p := c.peers[peer]; p != nil {
		return p.br
	}
	return nil
}

// Stats returns the counters of each peer's socket.
func (c *Client) Stats() []metrics.SocketStats {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]metrics.SocketStats, len(c.order))
	for i, p := range c.order {
		out[i] = p.sock.M.Stats()
	}
	return out
}

// Close closes every peer socket; calls in flight fail.
func (c *Client) Close() error {
	c.mu.Lock()
	peers := c.order
	c.peers, c.order, c.closed = map[string]*peer{}, nil, true
	c.mu.Unlock()
	var errs []error
	for _, p := range peers {
		errs = append(errs, p.sock.Close())
	}
	return errors.Join(errs...)
}

// Call sends a request for endpoint with data to peer ("" = any peer whose
// breaker admits it, round robin) and returns the response. An error
// response is returned along with a *RemoteError.
func (c *Client) Call(ctx context.Context, peer, endpoint string, data json.RawMessage) (*envelope.Envelope, error) {
	return c.Do(ctx, peer, envelope.New(envelope.Request, c.cfg.Name, endpoint, data))
}

// Do sends a prepared request (its ID is kept across retries, so a peer
// can recognise a retry).
func (c *Client) Do(ctx context.Context, peer string, request *envelope.Envelope) (*envelope.Envelope, error) {
	var resp *envelope.Envelope
	err := c.retrier.Do(ctx, func(ctx context.Context, attempt int) error {
		p, err := c.pick(peer)
		if err != nil {
			return err
		}
		if attempt > 0 {
			p.sock.M.Retry()
		}
		resp, err = c.roundTrip(ctx, p, request)
		return err
	})
	return resp, err
}

// pick returns the named peer, or the next one round robin whose breaker
// is not open.
func (c *Client) pick(name string) (*peer, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return nil, ErrClosed
	}
	if name != "" {
		if p := c.peers[name]; p != nil {
			return p, nil
		}
		return nil, fmt.Errorf("%w: %s", ErrNoPeer, name)
	}
	n := len(c.order)
	if n == 0 {
		return nil, ErrNoPeers
	}
	start := int(c.rr.Add(1) % uint64(n))
	for i := range n {
		if p := c.order[(start+i)%n]; p.br.State() != breaker.Open {
			return p, nil
		}
	}
	return c.order[start], nil // all open: let its breaker say so
}
