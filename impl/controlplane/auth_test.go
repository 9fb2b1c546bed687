package controlplane_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/envelope"
)

// With auth.secret_file, every broadcast carries an HMAC under the secret
// (what workers sharing it check); a secret file that is too short or open
// to others stops the start.
func TestBroadcastsSignedWithSharedSecret(t *testing.T) {
	dir := t.TempDir()
	secret := "0123456789abcdef-shared-secret"
	path := filepath.Join(dir, "secret")
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(time.Second, 10*time.Second)
	cfg.Auth.SecretFile = path
	cp, _ := start(t, cfg, controlplane.Options{})
	sub := subscribe(t, cp, "config.")
	if _, err := cp.SetConfig(context.Background(), map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	e := recv(t, sub)
	key, err := envelope.NewKey([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	if err := key.Verify(e); err != nil {
		t.Fatalf("broadcast %+v: %v", e, err)
	}
	other, _ := envelope.NewKey([]byte("another secret of 16+ bytes"))
	if err := other.Verify(e); !errors.Is(err, envelope.ErrUnauthenticated) {
		t.Fatalf("verified under another secret: %v", err)
	}

	for _, bad := range []struct{ name, body string }{{"short", "0123456789\n"}, {"open", secret}} {
		p := filepath.Join(dir, bad.name)
		mode := os.FileMode(0o600)
		if bad.name == "open" {
			mode = 0o644
		}
		if err := os.WriteFile(p, []byte(bad.body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		cfg := testConfig(time.Second, 10*time.Second)
		cfg.Auth.SecretFile = p
		c, err := controlplane.New(cfg, controlplane.Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = c.Start(context.Background())
		_ = c.Close()
		if !errors.Is(err, config.ErrSecret) {
			t.Errorf("%s secret file: start %v, want an auth.secret_file error", bad.name, err)
		}
	}
}
