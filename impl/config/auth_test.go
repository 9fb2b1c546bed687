package config_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/impl/config"
)

func TestAuthSecret(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name    string
		auth    config.Auth
		want    string
		wantErr string
	}{
		{"none", config.Auth{}, "", ""},
		{"trailing newline trimmed", config.Auth{SecretFile: write("s", "0123456789abcdef\n", 0o600)}, "0123456789abcdef", ""},
		{"readable by others", config.Auth{SecretFile: write("open", "0123456789abcdef", 0o644)}, "", "readable by others"},
		{"too large", config.Auth{SecretFile: write("big", strings.Repeat("x", config.MaxSecretFile+1), 0o600)}, "", "over 4096 bytes"},
		{"missing", config.Auth{SecretFile: filepath.Join(dir, "nope")}, "", "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.auth.Secret()
			if tc.wantErr != "" {
				if !errors.Is(err, config.ErrSecret) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q wrapping ErrSecret", err, tc.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(got, []byte(tc.want)) {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
