package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/config"
)

type tlsCfg struct {
	CertFile   string `json:"cert_file"`
	VerifyPeer bool   `json:"verify_peer"`
}

type messaging struct {
	BindAddress string          `json:"bind_address"`
	Interval    config.Seconds  `json:"heartbeat_interval_seconds"`
	Timeout     config.Seconds  `json:"heartbeat_timeout_seconds"`
	MaxSizeMB   int             `json:"max_message_size_mb"`
	TLS         tlsCfg          `json:"tls"`
	Peers       []string        `json:"peers"`
	Weights     map[string]int  `json:"weights"`
	Extra       *map[string]any `json:"extra"`
}

type sample struct {
	NodeID    string    `json:"node_id"`
	Messaging messaging `json:"messaging"`
}

func (s *sample) Validate() error {
	var errs []error
	if s.NodeID == "" {
		errs = append(errs, config.Invalid("node_id", "required"))
	}
	if s.Messaging.Interval <= 0 {
		errs = append(errs, config.Invalid("messaging.heartbeat_interval_seconds", "must be > 0"))
	}
	if s.Messaging.Timeout < s.Messaging.Interval {
		errs = append(errs, config.Invalid("messaging.heartbeat_timeout_seconds", "must be >= heartbeat_interval_seconds"))
	}
	return errors.Join(errs...)
}

func defaults() *sample {
	return &sample{Messaging: messaging{Interval: config.Seconds(10 * time.Second), Timeout: config.Seconds(30 * time.Second), MaxSizeMB: 64}}
}

func TestLoadGood(t *testing.T) {
	path := filepath.Join(t.TempDir(), "worker.json")
	if err := os.WriteFile(path, []byte(`{
  "node_id": "worker-1",
  "messaging": {
    "bind_address": "tcp://127.0.0.1:5555",
    "heartbeat_interval_seconds": 0.1,
    "tls": {"cert_file": "w.crt", "verify_peer": true},
    "peers": ["a", "b"], "weights": {"a": 1}
  }
}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := defaults()
	if err := config.Load(path, s); err != nil {
		t.Fatal(err)
	}
	if s.NodeID != "worker-1" || s.Messaging.Interval.D() != 100*time.Millisecond ||
		s.Messaging.Timeout.D() != 30*time.Second || s.Messaging.MaxSizeMB != 64 || !s.Messaging.TLS.VerifyPeer ||
		len(s.Messaging.Peers) != 2 || s.Messaging.Weights["a"] != 1 {
		t.Fatalf("loaded %+v", s)
	}
}

func TestErrorsNameFileLineField(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{"unknown fields, all of them", `{
  "node_id": "w",
  "colour": "blue",
  "messaging": {
    "bind_adress": "tcp://x",
    "tls": {"certfile": "x"}
  }
}`, []string{
			"cfg.json:3: colour: unknown field",
			"cfg.json:5: messaging.bind_adress: unknown field",
			"cfg.json:6: messaging.tls.certfile: unknown field",
		}},
		{"wrong types", `{
  "node_id": 7,
  "messaging": {
    "heartbeat_interval_seconds": "10s",
    "max_message_size_mb": 1.5,
    "peers": "a",
    "tls": {"verify_peer": "yes"}
  }
}`, []string{
			"cfg.json:2: node_id: expected a string, got a number",
			"cfg.json:4: messaging.heartbeat_interval_seconds: expected a number of seconds, got a string",
			"cfg.json:5: messaging.max_message_size_mb: expected a whole number, got 1.5",
			"cfg.json:6: messaging.peers: expected a list, got a string",
			"cfg.json:7: messaging.tls.verify_peer: expected true or false, got a string",
		}},
		{"validation", `{
  "node_id": "",
  "messaging": {
    "heartbeat_interval_seconds": 0,
    "heartbeat_timeout_seconds": -5
  }
}`, []string{
			"cfg.json:2: node_id: required",
			"cfg.json:4: messaging.heartbeat_interval_seconds: must be > 0",
			"cfg.json:5: messaging.heartbeat_timeout_seconds: must be >= heartbeat_interval_seconds",
		}},
		{"missing field reported at its parent", `{"messaging": {}}`, []string{"cfg.json: node_id: required"}},
		{"syntax", "{\n  \"node_id\": \"w\",\n  \"messaging\": {,}\n}", []string{"cfg.json:3: invalid JSON"}},
		{"truncated", "{\n  \"node_id\": \"w\",", []string{"cfg.json:2: invalid JSON: unexpected end of file"}},
		{"two documents", `{"node_id":"w"} {}`, []string{"cfg.json:1: invalid JSON: more than one value"}},
		{"not an object", `[1]`, []string{"cfg.json: expected an object at the top, got a list"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := config.Decode("cfg.json", []byte(tc.doc), defaults())
			if err == nil {
				t.Fatal("no error")
			}
			got := err.Error()
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

func TestLoadMissingFile(t *testing.T) {
	err := config.Load(filepath.Join(t.TempDir(), "nope.json"), defaults())
	if err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Fatalf("got %v", err)
	}
}

func TestSecondsJSON(t *testing.T) {
	s := config.Seconds(1500 * time.Millisecond)
	b, _ := s.MarshalJSON()
	if string(b) != "1.5" {
		t.Fatalf("marshal %s", b)
	}
}
