package controlplane_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/controlplane"
)

func TestExampleConfigLoads(t *testing.T) {
	c, err := controlplane.LoadConfig(filepath.Join("..", "..", "configs", "controlplane.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Messaging
	if c.NodeID != "controlplane" || m.BindAddress != "tcp://127.0.0.1:5555" || m.AdminAddress != "tcp://127.0.0.1:5559" ||
		m.HeartbeatInterval.D() != time.Second || m.HeartbeatTimeout.D() != 3*time.Second ||
		c.Retry.BaseDelay.D() != 100*time.Millisecond || c.Tasks.BatchSize != 64 || c.MetricsAddress != "127.0.0.1:9100" {
		t.Errorf("loaded %+v", c)
	}
}

// goodMessaging is the addresses, on one line so that lines are easy to count.
const goodMessaging = `"bind_address": "tcp://127.0.0.1:0", "pub_address": "tcp://127.0.0.1:0", ` +
	`"task_address": "tcp://127.0.0.1:0", "result_address": "tcp://127.0.0.1:0", "admin_address": "tcp://127.0.0.1:0"`

type badConfig struct {
	name, doc string
	want      []string // one line of the error each, in any order
}

func badConfigs() []badConfig {
	return []badConfig{
		{"unknown field", `{
  "metrics_address": "127.0.0.1:0",
  "colour": "blue",
  "messaging": {` + goodMessaging + `}
}`, []string{"cp.json:3: colour: unknown field"}},
		{"wrong type", `{
  "metrics_address": "127.0.0.1:0",
  "messaging": {` + goodMessaging + `,
    "heartbeat_interval_seconds": "10s"
  }
}`, []string{"cp.json:4: messaging.heartbeat_interval_seconds: expected a number of seconds, got a string"}},
		{"survey address with no scheme", `{
  "metrics_address": "127.0.0.1:0",
  "messaging": {` + goodMessaging + `,
    "survey_address": "127.0.0.1:6000"
  }
}`, []string{"cp.json:4: messaging.survey_address: "}},
		{"zero interval", `{
  "metrics_address": "127.0.0.1:0",
  "messaging": {` + goodMessaging + `,
    "heartbeat_interval_seconds": 0
  }
}`, []string{"cp.json:4: messaging.heartbeat_interval_seconds: must be > 0"}},
		{"timeout shorter than the interval", `{
  "metrics_address": "127.0.0.1:0",
  "messaging": {` + goodMessaging + `,
    "heartbeat_interval_seconds": 2,
    "heartbeat_timeout_seconds": 1.5
  }
}`, []string{"cp.json:5: messaging.heartbeat_timeout_seconds: must be >= heartbeat_interval_seconds"}},
		{"missing addresses, bad scheme and level", `{
  "metrics_address": "nowhere",
  "log_level": "loud",
  "messaging": {"bind_address": "udp://x:1"}
}`, []string{
			"cp.json:4: messaging.bind_address: transport: unsupported address scheme",
			"cp.json:4: messaging.pub_address: required",
			"cp.json:4: messaging.task_address: required",
			"cp.json:4: messaging.result_address: required",
			"cp.json:4: messaging.admin_address: required",
			"cp.json:2: metrics_address: want host:port",
			"cp.json:3: log_level: logging: unknown level",
		}},
		{"numbers out of range", `{
  "metrics_address": "127.0.0.1:0",
  "messaging": {` + goodMessaging + `, "max_message_size_mb": 0, "request_timeout_seconds": -1},
  "retry": {"max_retries": -1, "base_delay_seconds": 0},
  "breaker": {"failure_threshold": 0, "reset_timeout_seconds": 0},
  "tasks": {"lease_seconds": 0, "batch_size": 0}
}`, []string{
			"messaging.request_timeout_seconds: must be > 0",
			"messaging.max_message_size_mb: must be in [1, ",
			"cp.json:4: retry.max_retries: must be >= 0",
			"cp.json:4: retry.base_delay_seconds: must be > 0",
			"cp.json:5: breaker.failure_threshold: must be >= 1",
			"cp.json:5: breaker.reset_timeout_seconds: must be > 0",
			"cp.json:6: tasks.lease_seconds: must be > 0",
			"cp.json:6: tasks.batch_size: must be >= 1",
		}},
		{"inconsistent tls", `{
  "metrics_address": "127.0.0.1:0",
  "messaging": {` + goodMessaging + `,
    "tls": {"cert_file": "a.crt", "verify_peer": true}
  }
}`, []string{
			"cp.json:4: messaging.tls: tls.cert_file and tls.key_file: give both or neither",
			"cp.json:4: messaging.tls: tls.ca_file: required when verify_peer is true",
		}},
		{"tls address without a certificate", `{
  "metrics_address": "127.0.0.1:0",
  "messaging": {` + strings.Replace(goodMessaging, `"tcp://127.0.0.1:0", "admin`, `"tls+tcp://127.0.0.1:0", "admin`, 1) + `}
}`, []string{"cp.json:3: messaging.tls.cert_file: required to listen on a tls+tcp:// or wss:// address"}},
	}
}

func TestBadConfigs(t *testing.T) {
	for _, tc := range badConfigs() {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cp.json")
			if err := os.WriteFile(path, []byte(tc.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := controlplane.LoadConfig(path)
			if err == nil {
				t.Fatal("no error")
			}
			got := strings.ReplaceAll(err.Error(), path, "cp.json")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
			if n := strings.Count(got, "\n") + 1; n != len(tc.want) {
				t.Errorf("%d errors, want %d:\n%s", n, len(tc.want), got)
			}
		})
	}
}
