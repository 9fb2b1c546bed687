package controlplane

import (
	"errors"
	"net"
	"strings"
	"time"

	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/tlsconf"
	"github.com/nngbench/nngbench/impl/transport"
)

// Config is the control plane's JSON config file (configs/controlplane.json).
// Start from Default: LoadConfig keeps its values for keys the file leaves out.
type Config struct {
	// NodeID is the control plane's name: the sender of its messages and the
	// prefix of its sockets' names in metrics; default "controlplane".
	NodeID    string    `json:"node_id"`
	Messaging Messaging `json:"messaging"`
	Retry     Retry     `json:"retry"`
	Breaker   Breaker   `json:"breaker"`
	Tasks     Tasks     `json:"tasks"`
	// MetricsAddress is the host:port of the Prometheus /metrics endpoint;
	// required, port 0 picks a free one.
	MetricsAddress string `json:"metrics_address"`
	// LogLevel is debug, info, warn or error; default info.
	LogLevel string `json:"log_level"`
	// DataDir is where the state is kept so that it survives a crash:
	// tasks with their leases, instances and nodes, config versions
	// (created if missing; one control plane at a time). Empty: in memory
	// only.
	DataDir string `json:"data_dir,omitempty"`
}

// Messaging is the "messaging" object: the addresses the control plane
// binds (all required, port 0 allowed) and the timing of its links.
type Messaging struct {
	BindAddress   string `json:"bind_address"`   // REP: registrations, heartbeats, config snapshots
	PubAddress    string `json:"pub_address"`    // PUB: config.update, node.offline, node.online
	TaskAddress   string `json:"task_address"`   // PUSH: task batches
	ResultAddress string `json:"result_address"` // PULL: result batches
	AdminAddress  string `json:"admin_address"`  // REP: the admin API (cpctl)
	// SurveyAddress is the SURVEYOR workers dial to answer surveys; told to
	// them on registration. Optional: default bind_address's scheme and host
	// on a free port (ipc, inproc: its path plus ".survey").
	SurveyAddress string `json:"survey_address,omitempty"`
	// HeartbeatInterval is how often workers beat (told to them on
	// registration); default 10s.
	HeartbeatInterval config.Seconds `json:"heartbeat_interval_seconds"`
	// HeartbeatTimeout is the silence after which a node is offline; at
	// least HeartbeatInterval; default 30s.
	HeartbeatTimeout config.Seconds `json:"heartbeat_timeout_seconds"`
	// RequestTimeout bounds each command attempt to a worker; default 5s.
	RequestTimeout config.Seconds `json:"request_timeout_seconds"`
	// MaxMessageSizeMB is the largest message sent or accepted, in MiB;
	// default 64.
	MaxMessageSizeMB int            `json:"max_message_size_mb"`
	TLS              tlsconf.Config `json:"tls"`
}

// Retry is how commands to workers that time out are retried.
type Retry struct {
	MaxRetries int            `json:"max_retries"`        // retries after the first attempt; 0 = none; default 3
	BaseDelay  config.Seconds `json:"base_delay_seconds"` // first backoff, doubling; default 0.1s
}

// Breaker is the circuit breaker in front of each worker.
type Breaker struct {
	FailureThreshold int            `json:"failure_threshold"`     // consecutive failures that open it; default 5
	ResetTimeout     config.Seconds `json:"reset_timeout_seconds"` // open time before a probe; default 60s
}

// Tasks configures task distribution.
type Tasks struct {
	// Lease is how long a worker has to complete a dispatched task before
	// it is dispatched again; default 5s.
	Lease config.Seconds `json:"lease_seconds"`
	// BatchSize is the most tasks per task message; default 64.
	BatchSize int `json:"batch_size"`
}

// maxMessageSizeMB bounds max_message_size_mb so that the byte count fits
// an int everywhere and mangos' receive limit (twice it) too.
const maxMessageSizeMB = 1 << 20

// Default returns the defaults: everything but the addresses.
func Default() Config {
	return Config{
		NodeID: "controlplane",
		Messaging: Messaging{
			HeartbeatInterval: config.Seconds(10 * time.Second),
			HeartbeatTimeout:  config.Seconds(30 * time.Second),
			RequestTimeout:    config.Seconds(5 * time.Second),
			MaxMessageSizeMB:  64,
		},
		Retry:    Retry{MaxRetries: 3, BaseDelay: config.Seconds(100 * time.Millisecond)},
		Breaker:  Breaker{FailureThreshold: 5, ResetTimeout: config.Seconds(60 * time.Second)},
		Tasks:    Tasks{Lease: config.Seconds(5 * time.Second), BatchSize: 64},
		LogLevel: "info",
	}
}

// LoadConfig reads the file at path over Default and validates it. The
// error joins one *config.Error (file:line: field: problem) per problem.
func LoadConfig(path string) (Config, error) {
	c := Default()
	if err := config.Load(path, &c); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate reports every invalid field as a *config.FieldError named by
// its JSON path, joined with errors.Join.
func (c Config) Validate() error {
	var errs []error
	if c.NodeID == "" {
		errs = append(errs, config.Invalid("node_id", "required"))
	}
	errs = append(errs, c.Messaging.validate()...)
	if c.Retry.MaxRetries < 0 {
		errs = append(errs, config.Invalid("retry.max_retries", "must be >= 0, got %d", c.Retry.MaxRetries))
	}
	errs = append(errs, positive("retry.base_delay_seconds", c.Retry.BaseDelay)...)
	if c.Breaker.FailureThreshold < 1 {
		errs = append(errs, config.Invalid("breaker.failure_threshold", "must be >= 1, got %d", c.Breaker.FailureThreshold))
	}
	errs = append(errs, positive("breaker.reset_timeout_seconds", c.Breaker.ResetTimeout)...)
	errs = append(errs, positive("tasks.lease_seconds", c.Tasks.Lease)...)
	if c.Tasks.BatchSize < 1 {
		errs = append(errs, config.Invalid("tasks.batch_size", "must be >= 1, got %d", c.Tasks.BatchSize))
	}
	if c.MetricsAddress == "" {
		errs = append(errs, config.Invalid("metrics_address", "required"))
	} else if _, _, err := net.SplitHostPort(c.MetricsAddress); err != nil {
		errs = append(errs, config.Invalid("metrics_address", "want host:port: %v", err))
	}
	if _, err := logging.ParseLevel(c.LogLevel); err != nil {
		errs = append(errs, config.Invalid("log_level", "%v", err))
	}
	return errors.Join(errs...)
}

func (m Messaging) validate() []error {
	var errs []error
	needsCert := false
	for _, a := range []struct{ field, addr string }{
		{"bind_address", m.BindAddress}, {"pub_address", m.PubAddress},
		{"task_address", m.TaskAddress}, {"result_address", m.ResultAddress},
		{"admin_address", m.AdminAddress},
	} {
		field := "messaging." + a.field
		if a.addr == "" {
			errs = append(errs, config.Invalid(field, "required"))
			continue
		}
		scheme, err := transport.Scheme(a.addr)
		if err != nil {
			errs = append(errs, config.Invalid(field, "%v", err))
		}
		needsCert = needsCert || scheme == "tls+tcp" || scheme == "wss"
	}
	if m.SurveyAddress != "" {
		scheme, err := transport.Scheme(m.SurveyAddress)
		if err != nil {
			errs = append(errs, config.Invalid("messaging.survey_address", "%v", err))
		}
		needsCert = needsCert || scheme == "tls+tcp" || scheme == "wss"
	}
	errs = append(errs, positive("messaging.heartbeat_interval_seconds", m.HeartbeatInterval)...)
	errs = append(errs, positive("messaging.heartbeat_timeout_seconds", m.HeartbeatTimeout)...)
	errs = append(errs, positive("messaging.request_timeout_seconds", m.RequestTimeout)...)
	if m.HeartbeatTimeout > 0 && m.HeartbeatTimeout < m.HeartbeatInterval {
		errs = append(errs, config.Invalid("messaging.heartbeat_timeout_seconds",
			"must be >= heartbeat_interval_seconds (%v), got %v", m.HeartbeatInterval.D(), m.HeartbeatTimeout.D()))
	}
	if m.MaxMessageSizeMB < 1 || m.MaxMessageSizeMB > maxMessageSizeMB {
		errs = append(errs, config.Invalid("messaging.max_message_size_mb", "must be in [1, %d], got %d", maxMessageSizeMB, m.MaxMessageSizeMB))
	}
	if err := m.TLS.Validate(); err != nil {
		for _, e := range flatten(err) {
			errs = append(errs, config.Invalid("messaging.tls", "%v", e))
		}
	}
	if needsCert && m.TLS.CertFile == "" {
		errs = append(errs, config.Invalid("messaging.tls.cert_file", "required to listen on a tls+tcp:// or wss:// address"))
	}
	return errs
}

func positive(field string, s config.Seconds) []error {
	if s <= 0 {
		return []error{config.Invalid(field, "must be > 0, got %v", s.D().Seconds())}
	}
	return nil
}

// flatten undoes errors.Join, so that each problem gets its own line.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// surveyAddress is where the surveyor listens: survey_address, or else
// bind_address's scheme and host on a free port (ipc and inproc, which
// have no port: its path plus ".survey").
func (m Messaging) surveyAddress() string {
	if m.SurveyAddress != "" {
		return m.SurveyAddress
	}
	scheme, rest, _ := strings.Cut(m.BindAddress, "://")
	if scheme == "ipc" || scheme == "inproc" {
		return m.BindAddress + ".survey"
	}
	host, _, err := net.SplitHostPort(rest)
	if err != nil {
		host = rest
	}
	return scheme + "://" + net.JoinHostPort(host, "0")
}
