package config_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/impl/config"
)

// FuzzDecode pins, for any input: Decode never panics and stays within its
// limits; what it refuses, it refuses with *config.Error values that name
// the file, the same way every time; and what it accepts is valid JSON
// with a node_id that is a name and strings within the limit.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob("../../configs/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		`{"node_id": "w", "messaging": {"heartbeat_interval_seconds": 0.5, "peers": ["a"], "weights": {"a": 1}}}`,
		`{"node_id": "w", "node_id": "w"}`,
		`{"node_id": "w", "messaging": {"extra": {"a": {"a": 1, "a": 2}}}}`,
		`{"node_id": "w", "messaging": ` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`,
		`{"node_id": "w", "messaging": {"extra": {"a": ` + strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat("}", 40) + `}}}`,
		`{"node_id": "` + strings.Repeat("w", 200) + `"}`,
		`{"node_id": "w", "messaging": {"tls": {"cert_file": "` + strings.Repeat("c", 5000) + `"}}}`,
		`{"node_id": "w x"}`, `{"node_id": "w\u0000"}`, `{"node_id": "w"} {}`, `[`, `{"a":`, `"s"`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := defaults()
		err := config.Decode("fuzz.json", data, s)
		if err != nil {
			for _, e := range flattenJoin(err) {
				var ce *config.Error
				if !errors.As(e, &ce) || ce.File != "fuzz.json" {
					t.Fatalf("not a *config.Error naming the file: %#v", e)
				}
			}
			if again := config.Decode("fuzz.json", data, defaults()); again == nil || again.Error() != err.Error() {
				t.Fatalf("refused twice differently:\n%v\n---\n%v", err, again)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		if err := config.ValidName(s.NodeID); err != nil {
			t.Fatalf("accepted node_id %q: %v", s.NodeID, err)
		}
		for _, str := range append([]string{s.NodeID, s.Messaging.BindAddress, s.Messaging.TLS.CertFile}, s.Messaging.Peers...) {
			if len(str) > config.DefaultLimits().MaxStringBytes {
				t.Fatalf("accepted a string of %d bytes", len(str))
			}
		}
	})
}

func flattenJoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
