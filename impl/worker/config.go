package worker

import (
	"errors"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/tlsconf"
	"github.com/nngbench/nngbench/impl/transport"
)

// maxHandlerDelayUS caps handler_delay_us at a second.
const maxHandlerDelayUS = 1_000_000

// Config is the worker's config file (see configs/worker-1.json). Durations
// are seconds, fractions allowed.
type Config struct {
	// NodeID names the worker to the control plane; required.
	NodeID    string          `json:"node_id"`
	Messaging MessagingConfig `json:"messaging"`
	Instances InstancesConfig `json:"instances"`
	Tasks     TasksConfig     `json:"tasks"`
	// ConfigJournalFile, when set, gets a boot line at every start and a
	// line per config receipt (every broadcast, applied or not, and every
	// snapshot applied), appended, so that the receipts outlive the
	// process; see ReadConfigJournal for the format. Default none.
	ConfigJournalFile string `json:"config_journal_file"`
	// MetricsAddress is the host:port of the Prometheus /metrics listener;
	// port 0 picks a free one. Default 127.0.0.1:0.
	MetricsAddress string `json:"metrics_address"`
	// LogLevel is debug, info, warn or error; default info.
	LogLevel string `json:"log_level"`
	// HandlerDelayUS adds a fixed cost to every command the worker serves:
	// that many microseconds of busy CPU before the handler runs. It is a
	// regression to dial, for measuring what a latency gate catches
	// (toxiproxy's latency comes in whole milliseconds); default 0, at
	// most 1,000,000.
	HandlerDelayUS int `json:"handler_delay_us"`
}

// MessagingConfig is where the worker listens and what it dials.
type MessagingConfig struct {
	// BindAddress is the worker's command socket (REP); port 0 allowed.
	BindAddress string `json:"bind_address"`
	// AdvertiseAddress is what the control plane is told to dial; default
	// the bound BindAddress. A test harness puts a proxy here.
	AdvertiseAddress string `json:"advertise_address"`
	// ControlPlaneAddress is the control plane's REP: register, heartbeat,
	// config snapshot.
	ControlPlaneAddress string `json:"control_plane_address"`
	// SubAddress is the control plane's PUB (config broadcasts).
	SubAddress string `json:"sub_address"`
	// TaskAddress is the control plane's PUSH; the worker pulls tasks.
	TaskAddress string `json:"task_address"`
	// ResultAddress is the control plane's PULL; the worker pushes results.
	ResultAddress string `json:"result_address"`
	// SurveyAddress is the control plane's SURVEYOR, which the worker
	// answers. Optional: default what the control plane says on
	// registration, its host replaced by control_plane_address's when it
	// is a wildcard (0.0.0.0, ::).
	SurveyAddress string `json:"survey_address,omitempty"`
	// HeartbeatInterval is how often the worker beats, unless the control
	// plane's register reply says otherwise; default 10s.
	HeartbeatInterval config.Seconds `json:"heartbeat_interval_seconds"`
	// ReconnectInterval caps the redial backoff (transport
	// MaxReconnectTime) and the register retry backoff; default 5s.
	ReconnectInterval config.Seconds `json:"reconnect_interval_seconds"`
	// RequestTimeout bounds each request to the control plane; default 5s.
	RequestTimeout config.Seconds `json:"request_timeout_seconds"`
	// MaxMessageSizeMB is the largest message sent or accepted, in MiB;
	// default 64.
	MaxMessageSizeMB int `json:"max_message_size_mb"`
	// TLS is used by tls+tcp:// and wss:// addresses.
	TLS tlsconf.Config `json:"tls"`
}

// InstancesConfig configures the simulated instances.
type InstancesConfig struct {
	// StartSeconds is the simulated start time of an instance; default 0.2.
	StartSeconds config.Seconds `json:"start_seconds"`
	// StateFile, when set, keeps the instances across restarts; it is
	// rewritten (temp file + rename) on every change.
	StateFile string `json:"state_file"`
}

// TasksConfig configures task execution.
type TasksConfig struct {
	// Concurrency is how many task batches run at once; default 4.
	Concurrency int `json:"concurrency"`
	// JournalFile, when set, gets one line "<task_id>\n" per executed task,
	// appended once its result has been written to the control plane.
	JournalFile string `json:"journal_file"`
}

// maxMessageSizeMB bounds max_message_size_mb so that twice the size in
// bytes (the receive limit) fits an int32 option value comfortably.
const maxMessageSizeMB = 1024

// DefaultConfig returns the defaults; node_id and the addresses have none.
func DefaultConfig() Config {
	return Config{
		Messaging: MessagingConfig{
			HeartbeatInterval: config.Seconds(10 * time.Second),
			ReconnectInterval: config.Seconds(5 * time.Second),
			RequestTimeout:    config.Seconds(5 * time.Second),
			MaxMessageSizeMB:  64,
		},
		Instances:      InstancesConfig{StartSeconds: config.Seconds(200 * time.Millisecond)},
		Tasks:          TasksConfig{Concurrency: 4},
		MetricsAddress: "127.0.0.1:0",
		LogLevel:       "info",
	}
}

// LoadConfig reads a config file over the defaults and validates it; the
// error joins one "file:line: field: problem" per problem.
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	if err := config.Load(path, &cfg); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Validate returns a config.Invalid error, naming the JSON path, for every
// bad field, joined with errors.Join.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, config.Invalid(field, format, args...))
	}
	if c.NodeID == "" {
		bad("node_id", "required")
	}
	m := c.Messaging
	addrs := []struct {
		field, addr string
		required    bool
	}{
		{"messaging.bind_address", m.BindAddress, true},
		{"messaging.advertise_address", m.AdvertiseAddress, false},
		{"messaging.control_plane_address", m.ControlPlaneAddress, true},
		{"messaging.sub_address", m.SubAddress, true},
		{"messaging.task_address", m.TaskAddress, true},
		{"messaging.result_address", m.ResultAddress, true},
		{"messaging.survey_address", m.SurveyAddress, false},
	}
	for _, a := range addrs {
		errs = append(errs, checkAddress(a.field, a.addr, a.required, m.TLS))
	}
	for _, d := range []struct {
		field string
		v     config.Seconds
	}{
		{"messaging.heartbeat_interval_seconds", m.HeartbeatInterval},
		{"messaging.reconnect_interval_seconds", m.ReconnectInterval},
		{"messaging.request_timeout_seconds", m.RequestTimeout},
	} {
		if d.v <= 0 {
			bad(d.field, "must be > 0, got %v", d.v.D().Seconds())
		}
	}
	if m.MaxMessageSizeMB <= 0 || m.MaxMessageSizeMB > maxMessageSizeMB {
		bad("messaging.max_message_size_mb", "must be in 1..%d, got %d", maxMessageSizeMB, m.MaxMessageSizeMB)
	}
	errs = append(errs, tlsErrors(m.TLS)...)
	if c.Instances.StartSeconds < 0 {
		bad("instances.start_seconds", "must be >= 0, got %v", c.Instances.StartSeconds.D().Seconds())
	}
	if c.Tasks.Concurrency < 1 {
		bad("tasks.concurrency", "must be >= 1, got %d", c.Tasks.Concurrency)
	}
	// Two writers on one file would corrupt both.
	for _, other := range []struct{ field, path string }{
		{"tasks.journal_file", c.Tasks.JournalFile}, {"instances.state_file", c.Instances.StateFile},
	} {
		if c.ConfigJournalFile != "" && other.path != "" && filepath.Clean(c.ConfigJournalFile) == filepath.Clean(other.path) {
			bad("config_journal_file", "must differ from %s, both %q", other.field, other.path)
		}
	}
	if _, _, err := net.SplitHostPort(c.MetricsAddress); err != nil {
		bad("metrics_address", "want host:port, got %q", c.MetricsAddress)
	}
	if _, err := logging.ParseLevel(c.LogLevel); err != nil {
		bad("log_level", "want debug, info, warn or error, got %q", c.LogLevel)
	}
	if c.HandlerDelayUS < 0 || c.HandlerDelayUS > maxHandlerDelayUS {
		bad("handler_delay_us", "must be in 0..%d, got %d", maxHandlerDelayUS, c.HandlerDelayUS)
	}
	return errors.Join(errs...)
}

// checkAddress checks an address's scheme, and that a TLS scheme has the
// TLS settings it needs (a listener needs a certificate too).
func checkAddress(field, addr string, required bool, tc tlsconf.Config) error {
	if addr == "" {
		if required {
			return config.Invalid(field, "required")
		}
		return nil
	}
	scheme, err := transport.Scheme(addr)
	if err != nil {
		return config.Invalid(field, "unsupported scheme in %q (want one of %s)", addr, strings.Join(transport.Schemes, ", "))
	}
	if scheme != "tls+tcp" && scheme != "wss" {
		return nil
	}
	if field == "messaging.bind_address" && tc.CertFile == "" {
		return config.Invalid(field, "%s needs messaging.tls.cert_file and key_file", scheme)
	}
	return nil
}

// tlsErrors turns tlsconf's "tls.field: problem" messages into field errors
// under messaging.
func tlsErrors(tc tlsconf.Config) []error {
	err := tc.Validate()
	if err == nil {
		return nil
	}
	var out []error
	for _, line := range strings.Split(err.Error(), "\n") {
		field, msg, ok := strings.Cut(line, ": ")
		if !ok {
			field, msg = "tls", line
		}
		out = append(out, config.Invalid("messaging."+field, "%s", msg))
	}
	return out
}
