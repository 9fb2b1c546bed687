package load

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"go.nanomsg.org/mangos/v3"

	peerproc "github.com/nngbench/nngbench/harness/peer"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/impl/tlsconf"
	"github.com/nngbench/nngbench/internal/certs"

	// The transports raw mode runs on, bare mangos' own.
	_ "go.nanomsg.org/mangos/v3/transport/inproc"
	_ "go.nanomsg.org/mangos/v3/transport/ipc"
	_ "go.nanomsg.org/mangos/v3/transport/tcp"
	_ "go.nanomsg.org/mangos/v3/transport/tlstcp"
)

// inprocRuns tells the runs of one process apart: inproc addresses share one namespace.
var inprocRuns atomic.Uint64

// link is how a run's hub and peers meet over Spec.Transport: where the hub listens, the TLS
// configs of both ends (tls+tcp: mutual TLS with a CA made for the run), and what to remove
// once the run is over.
type link struct {
	listen   string
	hubOpts  map[string]any // the hub listener's options
	peerOpts map[string]any // the in-process peers' dialer options
	peerEnv  []string       // the peer processes' extra environment
	dir      string         // ipc: the socket's folder
}

// newLink prepares spec's transport.
func newLink(spec Spec) (*link, error) {
	switch spec.Transport {
	case scenario.TransportTCP:
		return &link{listen: "tcp://127.0.0.1:0"}, nil
	case scenario.TransportIPC:
		// Unix socket paths are limited to ~100 bytes: a short folder of its own.
		dir, err := os.MkdirTemp("", "nngbench-raw-")
		if err != nil {
			return nil, fmt.Errorf("load: ipc folder: %w", err)
		}
		return &link{listen: "ipc://" + filepath.Join(dir, "hub"), dir: dir}, nil
	case scenario.TransportInproc:
		return &link{listen: fmt.Sprintf("inproc://nngbench-raw-%d-%d", os.Getpid(), inprocRuns.Add(1))}, nil
	case scenario.TransportTLSTCP:
		return newTLSLink()
	}
	return nil, fmt.Errorf("%w: transport %q", ErrSpec, spec.Transport)
}

// newTLSLink makes the run's CA, the hub's certificate and one the peers share, each verifying
// the other.
func newTLSLink() (*link, error) {
	ca, err := certs.NewCA("nngbench raw CA")
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	hub, err := ca.Material("hub")
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	srv, err := hub.Server()
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	peer, err := ca.Issue("peer")
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	env, err := peerproc.TLSEnvVar(peer.CertPEM, peer.KeyPEM, ca.PEM)
	if err != nil {
		return nil, err
	}
	cli := (&tlsconf.Material{Cert: &peer.TLS, CAs: ca.Pool(), VerifyPeer: true}).Client()
	return &link{
		listen:   "tls+tcp://127.0.0.1:0",
		hubOpts:  map[string]any{mangos.OptionTLSConfig: srv},
		peerOpts: map[string]any{mangos.OptionTLSConfig: cli},
		peerEnv:  []string{env},
	}, nil
}

// close removes the ipc socket's folder.
func (l *link) close() {
	if l != nil && l.dir != "" {
		_ = os.RemoveAll(l.dir) // a temporary folder: nothing to do about it
	}
}
