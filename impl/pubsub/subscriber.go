package pubsub

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"sync"

	"go.nanomsg.org/mangos/v3"
	"go.nanomsg.org/mangos/v3/protocol/sub"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/inbox"
	"github.com/nngbench/nngbench/impl/transport"
)

// Subscriber receives the envelopes published under the topic prefixes it
// subscribed to. It receives nothing until Subscribe is called.
type Subscriber struct {
	sock    *transport.Socket
	in      *inbox.Inbox
	streams *streams
	close   sync.Once
}

// NewSubscriber opens a SUB socket and starts reading; call Subscribe and
// then Dial or Listen.
func NewSubscriber(cfg SubscriberConfig) (*Subscriber, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ms, err := sub.NewSocket()
	if err != nil {
		return nil, fmt.Errorf("pubsub: new sub socket: %w", err)
	}
	sock, err := transport.Open(ms, cfg.Name, cfg.Transport.WithLogger(cfg.Logger), cfg.Metrics)
	if err != nil {
		_ = ms.Close()
		return nil, fmt.Errorf("pubsub: open %s: %w", cfg.Name, err)
	}
	s := &Subscriber{sock: sock, streams: newStreams(sock.M)}
	s.in = inbox.Start(sock, inbox.Options{
		Buffer: cfg.Buffer,
		Frame:  s.frame,
		Accept: s.accept,
		Logger: cfg.Logger,
	})
	return s, nil
}

func (s *Subscriber) frame(body []byte) ([]byte, error) {
	_, env, err := splitFrame(body)
	return env, err
}

// accept tracks e's sequence under the topic it was published with: the
// frame ("topic "), or for a bare envelope its endpoint.
func (s *Subscriber) accept(e *envelope.Envelope, frame []byte) bool {
	topic := bytes.TrimSuffix(frame, []byte(" "))
	switch {
	case len(topic) == 0:
		topic = []byte(e.Endpoint)
	case e.Endpoint == "":
		// A hand-made message ("nngcat --data 'topic {...}'") may leave the
		// endpoint out; the wire topic is what it was published under.
		e.Endpoint = string(topic)
	}
	s.streams.track(e, topic)
	return true
}

// Subscribe adds a topic prefix: "config." receives "config.update", and
// "" receives everything, messages without topic included.
func (s *Subscriber) Subscribe(prefix string) error {
	if err := s.sock.Mangos().SetOption(mangos.OptionSubscribe, prefix); err != nil {
		return fmt.Errorf("pubsub: subscribe %q: %w", prefix, err)
	}
	return nil
}

// Unsubscribe removes a prefix added by Subscribe; queued messages that no
// longer match are discarded by mangos.
func (s *Subscriber) Unsubscribe(prefix string) error {
	if err := s.sock.Mangos().SetOption(mangos.OptionUnsubscribe, prefix); err != nil {
		return fmt.Errorf("pubsub: unsubscribe %q: %w", prefix, err)
	}
	return nil
}

// Dial connects to a publisher in the background, redialling after every
// loss. Messages published before the connection is up are not received.
func (s *Subscriber) Dial(addr string) error { return s.sock.Dial(addr) }

// Listen binds addr for publishers to dial and returns the bound address.
func (s *Subscriber) Listen(addr string) (string, error) { return s.sock.Listen(addr) }

// Recv returns the next envelope, mangos.ErrClosed after Close, or ctx's
// error.
func (s *Subscriber) Recv(ctx context.Context) (*envelope.Envelope, error) { return s.in.Recv(ctx) }

// C is the stream of received envelopes; it is closed by Close.
func (s *Subscriber) C() <-chan *envelope.Envelope { return s.in.C() }

// All iterates over received envelopes until Close (ending quietly) or
// until ctx ends (yielding ctx's error last).
func (s *Subscriber) All(ctx context.Context) iter.Seq2[*envelope.Envelope, error] {
	return s.in.All(ctx)
}

// Stats returns the subscriber's counters. Dropped is also added to the
// socket's metrics.
func (s *Subscriber) Stats() SubscriberStats { return s.streams.stats() }

// Close closes the socket and returns once the reader goroutine has ended.
// Envelopes already buffered can still be received; then Recv returns
// mangos.ErrClosed and C is closed.
func (s *Subscriber) Close() error {
	var err error
	s.close.Do(func() {
		s.in.Stop()
		err = s.sock.Close()
		s.in.Wait()
	})
	return err
}
