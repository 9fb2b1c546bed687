// Package pipeline distributes tasks from pushers to pullers over mangos PUSH/PULL, with a Drain that knows when every accepted task has been written.
package pipeline

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/transport"
)

// Errors of this package; returned errors wrap them.
var (
	// ErrConfig is wrapped by Validate for every invalid field.
	ErrConfig = errors.New("pipeline: invalid config")
	// ErrLost is wrapped by Drain when messages were lost with a
	// connection that failed while writing them.
	ErrLost = errors.New("pipeline: messages lost")
	// ErrNotDrained is wrapped by Drain when it gives up with messages
	// still waiting to be written.
	ErrNotDrained = errors.New("pipeline: not drained")
)

// DefaultBuffer is PullerConfig.Buffer's default, in envelopes.
const DefaultBuffer = 1024

// PusherConfig configures a Pusher.
type PusherConfig struct {
	// Name is the sender id stamped by PushTask and the socket's name in
	// metrics; required.
	Name string
	// Transport configures the socket (size limit, TLS, WriteQueue: how
	// many messages, queued or being written, Push admits before it waits;
	// default 128); the zero value takes transport's defaults.
	Transport transport.Options
	// Metrics receives the socket's counters; nil keeps them unexported.
	Metrics *metrics.Registry
	// Logger receives connection events; nil discards.
	Logger *slog.Logger
}

// WithDefaults fills the zero fields.
func (c PusherConfig) WithDefaults() PusherConfig {
	c.Transport = c.Transport.WithDefaults()
	c.Logger = logging.Component(c.Logger, "pipeline")
	return c
}

// Validate reports every invalid field.
func (c PusherConfig) Validate() error { return validate(c.Name, c.Transport, 0) }

// PullerConfig configures a Puller.
type PullerConfig struct {
	// Name is the socket's name in metrics; required.
	Name string
	// Transport configures the socket (size limit, TLS, ReadQueue: mangos'
	// queue in messages); the zero value takes transport's defaults.
	Transport transport.Options
	// Buffer is how many decoded envelopes wait for Recv, in envelopes;
	// default 1024. When it is full the puller stops reading, and pushers
	// send to other pullers.
	Buffer int
	// Metrics receives the socket's counters; nil keeps them unexported.
	Metrics *metrics.Registry
	// Logger receives warnings about undecodable messages; nil discards.
	Logger *slog.Logger
}

// WithDefaults fills the zero fields.
func (c PullerConfig) WithDefaults() PullerConfig {
	c.Transport = c.Transport.WithDefaults()
	if c.Buffer == 0 {
		c.Buffer = DefaultBuffer
	}
	c.Logger = logging.Component(c.Logger, "pipeline")
	return c
}

// Validate reports every invalid field.
func (c PullerConfig) Validate() error { return validate(c.Name, c.Transport, c.Buffer) }

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
