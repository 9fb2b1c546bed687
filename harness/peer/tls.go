package peer

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.nanomsg.org/mangos/v3"

	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/impl/tlsconf"
	"github.com/nngbench/nngbench/internal/certs"
)

// TLSEnv names the environment variable that gives a peer process its TLS
// material for a tls+tcp run when Options.TLS is nil: JSON {"cert": PEM,
// "key": PEM, "ca": PEM}, set by the run for the peers it starts (TLSEnvVar).
// The material is made for the run and thrown away with it.
const TLSEnv = "NNGBENCH_PEER_TLS"

// tlsMaterial is TLSEnv's value.
type tlsMaterial struct {
	Cert string `json:"cert"`
	Key  string `json:"key"`
	CA   string `json:"ca"`
}

// TLSEnvVar is the TLSEnv=... entry that gives peer processes their
// certificate and key and the CA the hub's is signed by, all PEM.
func TLSEnvVar(cert, key, ca []byte) (string, error) {
	env, err := json.Marshal(tlsMaterial{Cert: string(cert), Key: string(key), CA: string(ca)})
	if err != nil {
		return "", fmt.Errorf("peer: %w", err)
	}
	return TLSEnv + "=" + string(env), nil
}

// tlsFromEnv is a peer process's dialer config from TLSEnv: its
// certificate, and the CA the hub's must be signed by.
func tlsFromEnv() (*tls.Config, error) {
	v := os.Getenv(TLSEnv)
	if v == "" {
		return nil, fmt.Errorf("%w: a tls+tcp address needs Options.TLS or %s", ErrOptions, TLSEnv)
	}
	var p tlsMaterial
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrOptions, TLSEnv, err)
	}
	cert, err := tls.X509KeyPair([]byte(p.Cert), []byte(p.Key))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrOptions, TLSEnv, err)
	}
	m := &tlsconf.Material{Cert: &cert, VerifyPeer: true}
	if m.CAs, err = certs.PoolFromPEM([]byte(p.CA)); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrOptions, TLSEnv, err)
	}
	return m.Client(), nil
}

// DialOptions are the mangos dialer options for addr: the TLS config for tls+tcp.
func DialOptions(addr string, cfg *tls.Config) (map[string]any, error) {
	if !strings.HasPrefix(addr, string(scenario.TransportTLSTCP)+"://") {
		return nil, nil
	}
	if cfg == nil {
		return nil, errors.New("peer: a tls+tcp address needs a TLS config")
	}
	return map[string]any{mangos.OptionTLSConfig: cfg}, nil
}
