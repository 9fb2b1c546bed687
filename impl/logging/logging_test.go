package logging_test

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/logging"
)

func TestReferenceFormat(t *testing.T) {
	var buf bytes.Buffer
	log := logging.Component(logging.New(&buf, slog.LevelDebug), "messaging")
	log.Debug("Sent request msg_abc123 to worker-1")
	log.Info("Received response for msg_abc123 (latency: 15ms)")
	log.Warn("peer slow", "peer", "worker-2", "after", 3*time.Second)
	log.WithGroup("tls").Error("handshake refused", "reason", "unknown authority")

	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	want := []string{
		`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d DEBUG messaging: Sent request msg_abc123 to worker-1$`,
		`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO messaging: Received response for msg_abc123 \(latency: 15ms\)$`,
		`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d WARNING messaging: peer slow peer=worker-2 after=3s$`,
		`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ERROR messaging: handshake refused tls.reason="unknown authority"$`,
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines:\n%s", len(lines), buf.String())
	}
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("line %d: %q does not match %s", i, lines[i], re)
		}
	}
}

func TestLevelFilter(t *testing.T) {
	var buf bytes.Buffer
	log := logging.New(&buf, slog.LevelInfo)
	log.Debug("hidden")
	if buf.Len() != 0 || log.Enabled(t.Context(), slog.LevelDebug) {
		t.Fatalf("debug written at info level: %q", buf.String())
	}
	log.Info("shown")
	if !strings.Contains(buf.String(), "INFO shown") {
		t.Fatalf("info missing: %q", buf.String())
	}
}

func TestParseLevel(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want slog.Level
		ok   bool
	}{
		{"debug", slog.LevelDebug, true}, {"INFO", slog.LevelInfo, true}, {"", slog.LevelInfo, true},
		{"warning", slog.LevelWarn, true}, {"error", slog.LevelError, true}, {"loud", 0, false},
	} {
		got, err := logging.ParseLevel(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseLevel(%q) = %v, %v", tc.in, got, err)
		}
	}
}
