package pubsub

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"go.nanomsg.org/mangos/v3/protocol/pub"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/transport"
)

// Publisher sends envelopes to every connected subscriber whose prefix
// matches their topic. PUB never blocks: a subscriber whose queue is full
// misses messages, which its Stats count as sequence gaps.
type Publisher struct {
	name string
	sock *transport.Socket
	log  *slog.Logger

	// mu orders sequence stamping and sending, so that a topic's sequence
	// numbers reach the wire in order even with concurrent publishers.
	mu     sync.Mutex
	topics map[string]*topicState
}

type topicState struct {
	seq    uint64 // last sequence number sent under the topic
	prefix string // "topic ", built once per topic
}

// NewPublisher opens a PUB socket; call Listen or Dial next.
func NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ms, err := pub.NewSocket()
	if err != nil {
		return nil, fmt.Errorf("pubsub: new pub socket: %w", err)
	}
	sock, err := transport.Open(ms, cfg.Name, cfg.Transport.WithLogger(cfg.Logger), cfg.Metrics)
	if err != nil {
		_ = ms.Close()
		return nil, fmt.Errorf("pubsub: open %s: %w", cfg.Name, err)
	}
	return &Publisher{name: cfg.Name, sock: sock, log: cfg.Logger, topics: make(map[string]*topicState)}, nil
}

// Listen binds addr and returns the bound address (with the real port when
// addr asked for port 0).
func (p *Publisher) Listen(addr string) (string, error) {
	bound, err := p.sock.Listen(addr)
	if err == nil {
		p.log.Debug("publisher listening", "socket", p.name, "addr", bound)
	}
	return bound, err
}

// Dial connects to a listening subscriber in the background, redialling
// after every loss.
func (p *Publisher) Dial(addr string) error { return p.sock.Dial(addr) }

// Publish sends data as an Event under topic, stamped with the topic's next
// sequence number (1, 2, 3, ...), and returns the envelope sent. A message
// that is refused (too large, bad topic) uses up no sequence number.
func (p *Publisher) Publish(topic string, data json.RawMessage) (*envelope.Envelope, error) {
	e := envelope.New(envelope.Event, p.name, topic, data)
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := p.topics[topic]
	if ts == nil {
		if err := CheckTopic(topic); err != nil {
			return nil, err
		}
		ts = &topicState{prefix: topic + " "}
		p.topics[topic] = ts
	}
	e.Seq = ts.seq + 1
	if err := p.send(ts.prefix, e); err != nil {
		return nil, err
	}
	ts.seq = e.Seq
	return e, nil
}

// PublishEnvelope sends e as it is under e.Endpoint as topic; it stamps no
// sequence number.
func (p *Publisher) PublishEnvelope(e *envelope.Envelope) error {
	if err := CheckTopic(e.Endpoint); err != nil {
		return err
	}
	return p.send(e.Endpoint+" ", e)
}

func (p *Publisher) send(prefix string, e *envelope.Envelope) error {
	m, err := p.sock.Encode(prefix, e)
	if err != nil {
		return fmt.Errorf("pubsub: publish %q: %w", e.Endpoint, err)
	}
	if err := p.sock.Send(nil, m); err != nil {
		return fmt.Errorf("pubsub: publish %q: %w", e.Endpoint, err)
	}
	return nil
}

// Close closes the socket. Mangos has no linger: messages still queued for
// subscribers are dropped.
func (p *Publisher) Close() error { return p.sock.Close() }
