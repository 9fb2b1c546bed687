package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxSecretFile bounds a secret file's size, in bytes.
const MaxSecretFile = 4096

// Auth is the "auth" object of the control plane and worker configs: an
// optional secret that both share, with which the control plane signs
// what it broadcasts and replies (an HMAC over each envelope) and workers
// refuse config that is not signed with it. Without TLS and without it,
// any peer that can reach a socket can speak on it.
type Auth struct {
	// SecretFile holds the shared secret: at least 16 bytes (trailing
	// whitespace aside), readable by its owner only. Default none.
	SecretFile string `json:"secret_file"`
}

// Enabled reports whether a secret is configured.
func (a Auth) Enabled() bool { return a.SecretFile != "" }

// ErrSecret is wrapped by Secret's errors.
var ErrSecret = errors.New("auth.secret_file")

// Secret reads the secret file; nil without one. It refuses a file that
// group or others may read, or one over MaxSecretFile bytes.
func (a Auth) Secret() ([]byte, error) {
	if !a.Enabled() {
		return nil, nil
	}
	f, err := os.Open(a.SecretFile)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSecret, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSecret, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s is readable by others (mode %v); want 0600", ErrSecret, a.SecretFile, st.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxSecretFile+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSecret, err)
	}
	if len(b) > MaxSecretFile {
		return nil, fmt.Errorf("%w: %s is over %d bytes", ErrSecret, a.SecretFile, MaxSecretFile)
	}
	return bytes.TrimRight(b, " \t\r\n"), nil
}
