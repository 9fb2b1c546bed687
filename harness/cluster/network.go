package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/nngbench/nngbench/impl/tlsconf"
	"github.com/nngbench/nngbench/impl/transport"
	"github.com/nngbench/nngbench/internal/certs"
)

// maxSocketPath bounds an ipc socket's path: the kernel's limit is 107
// bytes on Linux and 103 on macOS, and a socket's name gets suffixes
// (the control plane's survey socket is its bind socket's path plus
// ".survey").
const maxSocketPath = 100

// longestSocket is the longest socket name the cluster makes in a socket
// folder: worker-NNNN's command socket, or the control plane's survey one.
const longestSocket = "/worker-1024.cmd.survey"

// inprocClusters tells the clusters of one process apart: inproc
// addresses are one namespace per process.
var inprocClusters atomic.Uint64

// network is how the cluster's links are addressed and secured for its
// transport.
type network struct {
	scheme  string
	sockDir string            // ipc: the socket files' folder
	tempDir bool              // sockDir is ours to remove
	prefix  string            // inproc: this cluster's address prefix
	ca      *certs.CA         // tls+tcp: the run's throwaway CA
	tlsDir  string            // tls+tcp: certificates and keys
	client  transport.Options // the harness's own clients' options
}

func newNetwork(o Options) (*network, error) {
	n := &network{scheme: o.Transport}
	switch o.Transport {
	case IPC:
		if err := n.makeSockDir(o.Dir); err != nil {
			return nil, err
		}
	case Inproc:
		n.prefix = fmt.Sprintf("inproc://nngbench-%d-%d/", os.Getpid(), inprocClusters.Add(1))
	case TLSTCP:
		ca, err := certs.NewCA("nngbench cluster CA")
		if err != nil {
			return nil, fmt.Errorf("cluster: %w", err)
		}
		mat, err := ca.Material("harness")
		if err != nil {
			return nil, fmt.Errorf("cluster: %w", err)
		}
		n.ca, n.tlsDir = ca, filepath.Join(o.Dir, "tls")
		n.client = transport.Options{DialTLS: mat.Client()}
	}
	return n, nil
}

// makeSockDir picks the folder of the ipc sockets: dir/ipc when its paths
// fit a socket address, else a new temporary folder.
func (n *network) makeSockDir(dir string) error {
	abs, err := filepath.Abs(filepath.Join(dir, "ipc"))
	if err != nil {
		return fmt.Errorf("cluster: ipc folder: %w", err)
	}
	if len(abs)+len(longestSocket) > maxSocketPath {
		if abs, err = os.MkdirTemp("", "nngbench-ipc-"); err != nil {
			return fmt.Errorf("cluster: ipc folder: %w", err)
		}
		n.tempDir = true
		if len(abs)+len(longestSocket) > maxSocketPath {
			_ = os.Remove(abs)
			return fmt.Errorf("cluster: ipc folder: %s is too long for socket addresses; set TMPDIR shorter", abs)
		}
	} else if err := os.MkdirAll(abs, 0o700); err != nil {
		return fmt.Errorf("cluster: ipc folder: %w", err)
	}
	n.sockDir = abs
	return nil
}

// proxied says whether every link runs through a toxiproxy proxy: only
// TCP can have one.
func (n *network) proxied() bool { return n.scheme == TCP || n.scheme == TLSTCP }

// listenAddress is where the socket called name listens: loopback port 0
// (tcp, tls+tcp), a socket file, or an inproc name of this cluster.
func (n *network) listenAddress(name string) string {
	switch n.scheme {
	case IPC:
		return "ipc://" + filepath.Join(n.sockDir, name)
	case Inproc:
		return n.prefix + name
	}
	return n.scheme + "://127.0.0.1:0"
}

// url is a TCP host:port as an address of the cluster's scheme.
func (n *network) url(hostPort string) string { return n.scheme + "://" + hostPort }

// hostPort strips the scheme from a tcp:// or tls+tcp:// address.
func (n *network) hostPort(addr string) (string, error) {
	rest, ok := strings.CutPrefix(addr, n.scheme+"://")
	if !ok || rest == "" {
		return "", fmt.Errorf("cluster: want a %s:// address, got %q", n.scheme, addr)
	}
	return rest, nil
}

// controlPlaneName is the control plane's name in its certificate.
const controlPlaneName = "controlplane"

// tlsFor writes the certificate of the program called name and returns its
// config's tls settings (mutual TLS) and its private key, which is not
// written (KeyFile is left to the caller: see keyPipe); none unless the
// transport is tls+tcp. A worker's settings insist on the control plane's
// own certificate (server_name), not just any the CA signed.
func (n *network) tlsFor(name string) (tlsconf.Config, []byte, error) {
	if n.ca == nil {
		return tlsconf.Config{}, nil, nil
	}
	c, key, err := n.ca.WriteCert(n.tlsDir, name)
	if err != nil {
		return c, nil, fmt.Errorf("cluster: %w", err)
	}
	if name != controlPlaneName {
		c.ServerName = controlPlaneName
	}
	return c, key, nil
}

// clientOptions are the options of a client of the cluster's sockets: its
// own copy of the TLS config, if any.
func (n *network) clientOptions() transport.Options {
	o := n.client
	if o.DialTLS != nil {
		o.DialTLS = o.DialTLS.Clone()
	}
	return o
}

// close removes what only the running cluster needed: a temporary socket
// folder. (The certificates stay, for the record; the private keys and the
// CA's key were never written, so nothing can be signed or decrypted with
// them again.)
func (n *network) close() error {
	if n == nil || !n.tempDir {
		return nil
	}
	if err := os.RemoveAll(n.sockDir); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	return nil
}
