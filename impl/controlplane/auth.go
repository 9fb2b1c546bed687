package controlplane

import (
	"fmt"

	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/envelope"
)

// authKey is the key of auth.secret_file, which signs every broadcast so
// that workers sharing the secret refuse forged ones; nil without one.
func authKey(a config.Auth) (*envelope.Key, error) {
	secret, err := a.Secret()
	if err != nil || secret == nil {
		return nil, err
	}
	k, err := envelope.NewKey(secret)
	if err != nil {
		return nil, fmt.Errorf("controlplane: %w: %w", config.ErrSecret, err)
	}
	return k, nil
}
