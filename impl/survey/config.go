package survey

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/transport"
)

// Defaults that WithDefaults fills into zero config fields.
const (
	DefaultDeadline    = time.Second
	DefaultConcurrency = 8
)

// ErrInvalidConfig is wrapped by every problem Validate reports.
var ErrInvalidConfig = errors.New("survey: invalid config")

// SurveyorConfig configures a Surveyor. The zero value of each optional
// field takes its default.
type SurveyorConfig struct {
	// Name is the sender id of surveys and the metrics socket name; required.
	Name string
	// Transport holds the socket options: message size limit, TLS, queues.
	Transport transport.Options
	// Deadline is how long a survey collects replies; default 1s. A ctx
	// deadline that comes sooner shortens it.
	Deadline time.Duration
	// Metrics receives the socket's counters; nil keeps them private.
	Metrics *metrics.Registry
	// Logger receives warnings about dropped replies; nil discards.
	Logger *slog.Logger
}

// WithDefaults returns c with every zero optional field set to its default.
func (c SurveyorConfig) WithDefaults() SurveyorConfig {
	if c.Deadline == 0 {
		c.Deadline = DefaultDeadline
	}
	c.Transport = c.Transport.WithDefaults()
	return c
}

// Validate reports every problem of a config that has been through
// WithDefaults, each naming its field and wrapping ErrInvalidConfig.
func (c SurveyorConfig) Validate() error {
	errs := common(c.Name, c.Transport)
	if c.Deadline <= 0 {
		errs = append(errs, invalid("deadline", "must be > 0"))
	}
	return errors.Join(errs...)
}

// RespondentConfig configures a Respondent. The zero value of each optional
// field takes its default.
type RespondentConfig struct {
	// Name is the sender id of replies and the metrics socket name; required.
	Name string
	// Transport holds the socket options: message size limit, TLS, queues.
	Transport transport.Options
	// Concurrency is how many surveys are answered at once, each on its own
	// goroutine and mangos context; default 8.
	Concurrency int
	// Metrics receives the socket's counters; nil keeps them private.
	Metrics *metrics.Registry
	// Logger receives handler failures; nil discards.
	Logger *slog.Logger
}

// WithDefaults returns c with every zero optional field set to its default.
func (c RespondentConfig) WithDefaults() RespondentConfig {
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	c.Transport = c.Transport.WithDefaults()
	return c
}

// Validate reports every problem of a config that has been through
// WithDefaults, each naming its field and wrapping ErrInvalidConfig.
func (c RespondentConfig) Validate() error {
	errs := common(c.Name, c.Transport)
	if c.Concurrency <= 0 {
		errs = append(errs, invalid("concurrency", "must be > 0"))
	}
	return errors.Join(errs...)
}

func common(name string, o transport.Options) []error {
	var errs []error
	if name == "" {
		errs = append(errs, invalid("name", "required"))
	}
	if err := o.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: transport: %w", ErrInvalidConfig, err))
	}
	return errs
}

func invalid(field, problem string) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, field, problem)
}
