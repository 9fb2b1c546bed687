// Package bus sends every message to every directly connected peer, over mangos BUS.
package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"

	"go.nanomsg.org/mangos/v3/protocol/bus"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/inbox"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/transport"
)

// Node is one member of a bus. A message reaches only the peers this node
// is directly connected to (mangos does not forward), so a bus where all
// must hear all is a full mesh. Methods are safe for concurrent use.
type Node struct {
	cfg  Config
	sock *transport.Socket
	in   *inbox.Inbox
	log  *slog.Logger
	// seq is a one-slot semaphore holding the last sequence number sent by
	// Broadcast, so numbers go on the wire in order and a failed send does
	// not leave a gap.
	seq chan uint64
}

// New opens the BUS socket and starts reading; then Listen and/or Dial.
func New(cfg Config) (*Node, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	raw, err := bus.NewSocket()
	if err != nil {
		return nil, fmt.Errorf("bus: %w", err)
	}
	sock, err := transport.Open(raw, cfg.Name, cfg.Transport.WithLogger(cfg.Logger), cfg.Metrics)
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("bus: %w", err)
	}
	log := logging.Component(cfg.Logger, "messaging")
	n := &Node{cfg: cfg, sock: sock, log: log, seq: make(chan uint64, 1)}
	n.seq <- 0
	n.in = inbox.Start(sock, inbox.Options{Buffer: cfg.Buffer, Logger: log})
	return n, nil
}

// Listen binds addr and returns the bound address.
func (n *Node) Listen(addr string) (string, error) { return n.sock.Listen(addr) }

// Dial connects to a peer that listens, in the background.
func (n *Node) Dial(addr string) error { return n.sock.Dial(addr) }

// Stats returns the socket's counters.
func (n *Node) Stats() metrics.SocketStats { return n.sock.M.Stats() }

// Send puts e on the wire to every connected peer. It never blocks: the
// message is dropped for a peer whose send queue (Transport.WriteQueue) is
// full (counted for that peer on a connection our listener accepted,
// silently by mangos otherwise), and for everyone when there are no peers.
// It returns ctx's error, sending nothing, if ctx has already ended, and an
// error wrapping transport.ErrTooLarge for an envelope over the size limit.
func (n *Node) Send(ctx context.Context, e *envelope.Envelope) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m, err := n.sock.Encode("", e)
	if err != nil {
		return fmt.Errorf("bus: %w", err)
	}
	if err := n.sock.Send(nil, m); err != nil {
		return fmt.Errorf("bus: send: %w", err)
	}
	return nil
}

// Broadcast sends an Event envelope for endpoint carrying data, numbered
// with this node's next Seq (1, 2, 3, ...), and returns it. Delivery is as
// for Send.
func (n *Node) Broadcast(ctx context.Context, endpoint string, data json.RawMessage) (*envelope.Envelope, error) {
	var last uint64
	select {
	case last = <-n.seq:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	e := envelope.New(envelope.Event, n.cfg.Name, endpoint, data)
	e.Seq = last + 1
	if err := n.Send(ctx, e); err != nil {
		n.seq <- last
		return nil, err
	}
	n.seq <- e.Seq
	return e, nil
}

// Recv returns the next message from any peer; mangos.ErrClosed once the
// node is closed and the inbox drained; or ctx's error.
func (n *Node) Recv(ctx context.Context) (*envelope.Envelope, error) { return n.in.Recv(ctx) }

// C is the stream of received messages; it is closed when the node is.
func (n *Node) C() <-chan *envelope.Envelope { return n.in.C() }

// All iterates over received messages until the node closes or ctx ends
// (yielding ctx's error last).
func (n *Node) All(ctx context.Context) iter.Seq2[*envelope.Envelope, error] { return n.in.All(ctx) }

// Close closes the socket, dropping what is still queued, and ends reading.
func (n *Node) Close() error {
	n.in.Stop()
	err := n.sock.Close()
	n.in.Wait()
	return err
}
