package worker_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/worker"
)

func TestExampleConfigsLoad(t *testing.T) {
	for _, tc := range []struct{ file, node, bind string }{
		{"worker-1.json", "worker-1", "tcp://127.0.0.1:5601"},
		{"worker-2.json", "worker-2", "tcp://127.0.0.1:5602"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			cfg, err := worker.LoadConfig(filepath.Join("..", "..", "configs", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			m := cfg.Messaging
			if cfg.NodeID != tc.node || m.BindAddress != tc.bind || m.ControlPlaneAddress != "tcp://127.0.0.1:5555" ||
				m.HeartbeatInterval.D() != time.Second || cfg.LogLevel != "info" {
				t.Errorf("loaded %+v", cfg)
			}
		})
	}
}

// baseDoc is a minimal valid config; the cases below change one line, so
// the line numbers in the wanted messages are those of this layout.
var baseDoc = []string{
	`{`,
	`  "node_id": "w",`,
	`  "messaging": {`,
	`    "bind_address": "tcp://127.0.0.1:0",`,
	`    "control_plane_address": "tcp://127.0.0.1:5555",`,
	`    "sub_address": "tcp://127.0.0.1:5556",`,
	`    "task_address": "tcp://127.0.0.1:5557",`,
	`    "result_address": "tcp://127.0.0.1:5558",`,
	`    "heartbeat_interval_seconds": 0.1`,
	`  },`,
	`  "tasks": {"concurrency": 2}`,
	`}`,
}

func writeDoc(t *testing.T, line int, text string) string {
	t.Helper()
	doc := append([]string(nil), baseDoc...)
	if line > 0 {
		doc[line-1] = text
	}
	path := filepath.Join(t.TempDir(), "worker.json")
	must(t, os.WriteFile(path, []byte(strings.Join(doc, "\n")), 0o600))
	return path
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := worker.LoadConfig(writeDoc(t, 0, ""))
	if err != nil {
		t.Fatal(err)
	}
	want := worker.DefaultConfig()
	m := cfg.Messaging
	if m.HeartbeatInterval.D() != 100*time.Millisecond || m.ReconnectInterval != want.Messaging.ReconnectInterval ||
		m.RequestTimeout != want.Messaging.RequestTimeout || m.MaxMessageSizeMB != 64 ||
		cfg.Instances.StartSeconds.D() != 200*time.Millisecond || cfg.Tasks.Concurrency != 2 ||
		cfg.MetricsAddress != "127.0.0.1:0" || cfg.LogLevel != "info" || m.AdvertiseAddress != "" {
		t.Errorf("loaded %+v", cfg)
	}
}

func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		line int
		text string
		want []string
	}{
		{"unknown field", 9, `    "heartbeat_interval_seconds": 1, "beat": 2`, []string{"worker.json:9: messaging.beat: unknown field"}},
		{"wrong type", 9, `    "heartbeat_interval_seconds": "1"`,
			[]string{"worker.json:9: messaging.heartbeat_interval_seconds: expected a number of seconds, got a string"}},
		{"zero interval", 9, `    "heartbeat_interval_seconds": 0`,
			[]string{"worker.json:9: messaging.heartbeat_interval_seconds: must be > 0"}},
		{"negative timeout", 9, `    "heartbeat_interval_seconds": 1, "request_timeout_seconds": -0.5`,
			[]string{"worker.json:9: messaging.request_timeout_seconds: must be > 0"}},
		{"missing node_id", 2, `  "log_level": "info",`, []string{"worker.json: node_id: required"}},
		{"empty node_id", 2, `  "node_id": "",`, []string{"worker.json:2: node_id: required"}},
		{"bad scheme", 4, `    "bind_address": "http://127.0.0.1:1",`,
			[]string{"worker.json:4: messaging.bind_address: unsupported scheme"}},
		{"missing address", 7, `    "max_message_size_mb": 0,`, []string{
			"worker.json:3: messaging.task_address: required",
			"worker.json:7: messaging.max_message_size_mb: must be in 1..1024, got 0"}},
		{"tls half", 9, `    "heartbeat_interval_seconds": 1, "tls": {"cert_file": "c.pem", "verify_peer": true}`, []string{
			"worker.json:9: messaging.tls.cert_file and tls.key_file: give both or neither",
			"worker.json:9: messaging.tls.ca_file: required when verify_peer is true"}},
		{"tls scheme without cert", 4, `    "bind_address": "tls+tcp://127.0.0.1:0",`,
			[]string{"worker.json:4: messaging.bind_address: tls+tcp needs messaging.tls.cert_file"}},
		{"config journal on the task journal", 11, `  "tasks": {"concurrency": 2, "journal_file": "d/j"}, "config_journal_file": "d/./j"`,
			[]string{`worker.json:11: config_journal_file: must differ from tasks.journal_file, both "d/j"`}},
		{"negative handler delay", 11, `  "tasks": {"concurrency": 2}, "handler_delay_us": -1`,
			[]string{"worker.json:11: handler_delay_us: must be in 0..1000000, got -1"}},
		{"several", 11, `  "tasks": {"concurrency": 0}, "log_level": "loud", "instances": {"start_seconds": -1}, "metrics_address": "x"`,
			[]string{
				"worker.json:11: tasks.concurrency: must be >= 1, got 0",
				"worker.json:11: log_level: want debug, info, warn or error",
				"worker.json:11: instances.start_seconds: must be >= 0",
				"worker.json:11: metrics_address: want host:port",
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := worker.LoadConfig(writeDoc(t, tc.line, tc.text))
			if err == nil {
				t.Fatal("loaded a bad config")
			}
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Errorf("%v is not a *config.Error", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error\n%v\ndoes not contain %q", err, want)
				}
			}
		})
	}
}

func TestNewRefusesInvalidConfig(t *testing.T) {
	_, err := worker.New(worker.DefaultConfig(), worker.Options{})
	if !errors.Is(err, worker.ErrConfig) || !strings.Contains(err.Error(), "node_id: required") {
		t.Fatalf("New with no node id: %v", err)
	}
}
