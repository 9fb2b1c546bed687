package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/impl/controlplane"
)

// Errors of this package; returned errors wrap them.
var (
	ErrInvalidOptions = errors.New("cluster: invalid options")
	ErrNotReady       = errors.New("cluster: not ready")
	ErrClosed         = errors.New("cluster: closed")
	ErrNoSuchWorker   = errors.New("cluster: no such worker")
	ErrProcessExited  = errors.New("cluster: process exited")
)

// Mode says where the control plane runs.
type Mode int

const (
	// Embedded runs the control plane in this process (impl/controlplane).
	Embedded Mode = iota
	// Separate runs the cmd/controlplane program from Options.Bin.
	Separate
)

func (m Mode) String() string {
	switch m {
	case Embedded:
		return "embedded"
	case Separate:
		return "process"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// The transports, as scenario files name them.
const (
	TCP    = "tcp"
	TLSTCP = "tls+tcp"
	IPC    = "ipc"
	Inproc = "inproc"
)

// Timing overrides impl's defaults; a zero field keeps the default.
type Timing = scenario.Cluster

// Options configure Start.
type Options struct {
	// Workers is how many workers to start (worker-1..worker-N); at least 1.
	Workers int
	// Transport is the scheme of every link, default "tcp":
	//   - "tcp": every link through its own toxiproxy proxy;
	//   - "tls+tcp": the same, with mutual TLS end to end (toxiproxy forwards
	//     the encrypted bytes): the cluster makes a throwaway CA and a
	//     certificate per program under Dir/tls, and every listener and
	//     dialer, the harness's own clients included, verifies its peer;
	//   - "ipc": Unix sockets (under Dir/ipc, or a short temporary folder
	//     when that path is too long for a socket address), no proxies;
	//   - "inproc": the workers run as goroutines of this process
	//     (impl/worker) and every link is in memory: no proxies, no
	//     processes (Worker returns nil), the control plane embedded.
	// Without proxies, ToxiproxyURL is ignored and no toxiproxy is started.
	Transport string
	// Timing overrides the control plane's and workers' timing.
	Timing Timing
	// ReconnectInterval caps the workers' redial backoff
	// (reconnect_interval_seconds); default 0.2s, so links heal quickly
	// after a fault.
	ReconnectInterval time.Duration
	// Dir holds generated configs, logs, ready files and journals;
	// required, created if missing.
	Dir string
	// Bin is the folder with the controlplane and worker binaries; required
	// unless Transport is "inproc".
	Bin string
	// ToxiproxyURL is an external toxiproxy server ("http://host:port");
	// "" starts one in this process.
	ToxiproxyURL string
	// ControlPlane says where the control plane runs; default Embedded.
	ControlPlane Mode
	// OnEvent receives the embedded control plane's events (see
	// controlplane.Options.OnEvent: it must not block). Ignored in Separate mode.
	OnEvent func(controlplane.Event)
	// Logger gets the harness's own logs and the embedded control plane's;
	// nil discards.
	Logger *slog.Logger
	// ReadyTimeout bounds the wait for each program's ready file and for
	// the whole cluster to be online; default 30s plus 50ms per worker
	// (about 80s for 1,024), since workers share the machine's cores
	// while they start.
	ReadyTimeout time.Duration
	// StartParallel is how many worker processes start at once; default 16.
	StartParallel int
	// StopGrace is how long a stopping process gets after SIGTERM before
	// SIGKILL; default 5s.
	StopGrace time.Duration
}

func (o Options) withDefaults() Options {
	if o.Transport == "" {
		o.Transport = TCP
	}
	if o.ReconnectInterval == 0 {
		o.ReconnectInterval = 200 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 30*time.Second + time.Duration(max(o.Workers, 0))*50*time.Millisecond
	}
	if o.StartParallel == 0 {
		o.StartParallel = 16
	}
	if o.StopGrace == 0 {
		o.StopGrace = 5 * time.Second
	}
	return o
}

// validate reports every problem, joined; call it after withDefaults.
func (o Options) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...))
	}
	if o.Workers < 1 {
		bad("workers: must be >= 1, got %d", o.Workers)
	}
	if o.StartParallel < 1 {
		bad("start_parallel: must be >= 1, got %d", o.StartParallel)
	}
	switch o.Transport {
	case TCP, TLSTCP, IPC:
	case Inproc:
		if o.ControlPlane != Embedded {
			bad("control_plane: transport inproc runs the whole cluster in this process: it must be embedded")
		}
	default:
		bad("transport: unknown %q (want %s, %s, %s or %s)", o.Transport, TCP, TLSTCP, IPC, Inproc)
	}
	if o.Dir == "" {
		bad("dir: required")
	}
	switch {
	case o.Transport == Inproc: // no program is started
	case o.Bin == "":
		bad("bin: required")
	default:
		errs = append(errs, checkBinaries(o.Bin, o.ControlPlane)...)
	}
	if o.ControlPlane != Embedded && o.ControlPlane != Separate {
		bad("control_plane: unknown %v", o.ControlPlane)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"reconnect_interval", o.ReconnectInterval}, {"ready_timeout", o.ReadyTimeout}, {"stop_grace", o.StopGrace}} {
		if d.v < 0 {
			bad("%s: must be >= 0, got %v", d.name, d.v)
		}
	}
	return errors.Join(errs...)
}

func checkBinaries(bin string, mode Mode) []error {
	names := []string{"worker"}
	if mode == Separate {
		names = append(names, "controlplane")
	}
	var errs []error
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(bin, n)); err != nil {
			errs = append(errs, fmt.Errorf("%w: bin: %w", ErrInvalidOptions, err))
		}
	}
	return errs
}
