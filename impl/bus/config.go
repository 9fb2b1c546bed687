package bus

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/transport"
)

// DefaultBuffer is the inbox length WithDefaults fills in.
const DefaultBuffer = 1024

// ErrInvalidConfig is wrapped by every problem Validate reports.
var ErrInvalidConfig = errors.New("bus: invalid config")

// Config configures a Node. The zero value of each optional field takes its
// default.
type Config struct {
	// Name is the sender id of broadcasts and the metrics socket name; required.
	Name string
	// Transport holds the socket options: message size limit, TLS, queues.
	// WriteQueue is each peer's send queue in messages (default 128 on a
	// connection our listener accepted, after mangos' 1024 that holds a
	// burst): a broadcast is dropped for a peer whose queue is full, and on
	// accepted connections counted for that peer.
	Transport transport.Options
	// Buffer is how many received messages wait for Recv, in messages;
	// default 1024. When it is full, reading stops and peers' sends back up.
	Buffer int
	// Metrics receives the socket's counters; nil keeps them private.
	Metrics *metrics.Registry
	// Logger receives warnings about undecodable messages; nil discards.
	Logger *slog.Logger
}

// WithDefaults returns c with every zero optional field set to its default.
func (c Config) WithDefaults() Config {
	if c.Buffer == 0 {
		c.Buffer = DefaultBuffer
	}
	c.Transport = c.Transport.WithDefaults()
	return c
}

// Validate reports every problem of a config that has been through
// WithDefaults, each naming its field and wrapping ErrInvalidConfig.
func (c Config) Validate() error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, fmt.Errorf("%w: name: required", ErrInvalidConfig))
	}
	if c.Buffer <= 0 {
		errs = append(errs, fmt.Errorf("%w: buffer: must be > 0", ErrInvalidConfig))
	}
	if err := c.Transport.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: transport: %w", ErrInvalidConfig, err))
	}
	return errors.Join(errs...)
}
