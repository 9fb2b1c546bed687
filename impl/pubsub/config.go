// Package pubsub publishes envelopes under topics and subscribes to topic prefixes over mangos PUB/SUB, counting what slow subscribers lose.
package pubsub

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/transport"
)

// Errors of this package; returned errors wrap them.
var (
	// ErrConfig is wrapped by Validate for every invalid field.
	ErrConfig = errors.New("pubsub: invalid config")
	// ErrBadTopic is wrapped when a topic is empty, starts with '{' or holds
	// a space or control character, any of which would break the framing.
	ErrBadTopic = errors.New("pubsub: bad topic")
	// ErrBadFrame is wrapped when a received message is neither
	// "topic {envelope}" nor a bare envelope.
	ErrBadFrame = errors.New("pubsub: bad frame")
)

// DefaultBuffer is SubscriberConfig.Buffer's default, in envelopes.
const DefaultBuffer = 1024

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	// Name is the sender id stamped on published envelopes and the socket's
	// name in metrics; required.
	Name string
	// Transport configures the socket (size limit, TLS, WriteQueue: the
	// per-subscriber queue in messages, beyond which PUB drops); the zero
	// value takes transport's defaults.
	Transport transport.Options
	// Metrics receives the socket's counters; nil keeps them unexported.
	Metrics *metrics.Registry
	// Logger receives connection events; nil discards.
	Logger *slog.Logger
	// Key, when set, signs every envelope published (envelope.Key.Sign),
	// so that subscribers holding the same secret can refuse forgeries.
	Key *envelope.Key
}

// WithDefaults fills the zero fields.
func (c PublisherConfig) WithDefaults() PublisherConfig {
	c.Transport = c.Transport.WithDefaults()
	c.Logger = logging.Component(c.Logger, "pubsub")
	return c
}

// Validate reports every invalid field.
func (c PublisherConfig) Validate() error {
	return validate(c.Name, c.Transport, 0)
}

// SubscriberConfig configures a Subscriber.
type SubscriberConfig struct {
	// Name is the socket's name in metrics; required.
	Name string
	// Transport configures the socket (size limit, TLS, ReadQueue: mangos'
	// queue in messages, beyond which SUB drops the oldest); the zero value
	// takes transport's defaults.
	Transport transport.Options
	// Buffer is how many decoded envelopes wait for Recv, in envelopes;
	// default 1024.
	Buffer int
	// Metrics receives the socket's counters; nil keeps them unexported.
	Metrics *metrics.Registry
	// Logger receives warnings about undecodable messages; nil discards.
	Logger *slog.Logger
}

// WithDefaults fills the zero fields.
func (c SubscriberConfig) WithDefaults() SubscriberConfig {
	c.Transport = c.Transport.WithDefaults()
	if c.Buffer == 0 {
		c.Buffer = DefaultBuffer
	}
	c.Logger = logging.Component(c.Logger, "pubsub")
	return c
}

// Validate reports every invalid field.
func (c SubscriberConfig) Validate() error {
	return validate(c.Name, c.Transport, c.Buffer)
}

func validate(name string, o transport.Options, buffer int) error {
	var errs []error
	if name == "" {
		errs = append(errs, fmt.Errorf("%w: name: required", ErrConfig))
	}
	if buffer < 0 {
		errs = append(errs, fmt.Errorf("%w: buffer: must be >= 0, got %d", ErrConfig, buffer))
	}
	if err := o.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: transport: %w", ErrConfig, err))
	}
	return errors.Join(errs...)
}
