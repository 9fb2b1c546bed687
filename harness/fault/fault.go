package fault

import (
	"context"
	"errors"
	"syscall"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Errors of this package; returned errors wrap them.
var (
	ErrUnknownKind  = errors.New("fault: no injector for kind")
	ErrNoTarget     = errors.New("fault: no such target")
	ErrNoProxy      = errors.New("fault: no such proxy")
	ErrNotInForce   = errors.New("fault: toxic not in force after adding it")
	ErrControlPlane = errors.New("fault: the control plane does not run as a process")
	ErrUnsupported  = errors.New("fault: not supported")
	ErrNothingToDo  = errors.New("fault: no targets")
)

// ControlPlane is the target name of the control plane's process.
const ControlPlane = "controlplane"

// Undo heals exactly what one Inject did. It is idempotent: calling it
// again after it succeeded does nothing, and calling it again after an
// error retries what is left.
type Undo func(ctx context.Context) error

// Injector applies one kind of fault. Inject returns once the fault is in
// force; on error it has already rolled back what it did and the Undo is
// nil.
type Injector interface {
	Inject(ctx context.Context, f scenario.Fault, t Target) (Undo, error)
}

// Scheduler is optional: an Injector whose faults heal at a time of their
// own rather than after Fault.For says when, counted from the fault's
// start. ok false means: use Fault.For (0 = at the end of the run).
type Scheduler interface {
	HealAfter(f scenario.Fault) (d time.Duration, ok bool)
}

// Process is a program of the cluster; *cluster.Process satisfies it.
type Process interface {
	Pid() int
	Kill() error                       // SIGKILL the process group and wait until it is reaped
	Stop(sig syscall.Signal) error     // signal the process group; does not wait
	Cont() error                       // SIGCONT the process group
	Restart(ctx context.Context) error // stop if running, start again, wait until ready
}

// Target is what faults act on. ClusterTarget adapts a *cluster.Cluster;
// tests may pass a fake.
type Target interface {
	// Workers are the worker names, worker-1 first.
	Workers() []string
	// Proxy is the proxy of worker's link, or nil.
	Proxy(worker, link string) *toxiclient.Proxy
	// Process is the worker's process or, for ControlPlane, the control
	// plane's; nil when there is none (an embedded control plane).
	Process(name string) Process
}
