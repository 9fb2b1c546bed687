// Package implload drives impl-mode workloads: load that goes through the
// control plane and the worker processes of a running cluster, measured
// with the same recorders as the raw drivers of package load.
package implload

import (
	"context"
	"errors"
	"fmt"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/load"
)

// ErrUnsupported is returned for a pattern that has no impl-mode driver.
var ErrUnsupported = errors.New("implload: pattern has no impl-mode driver")

// Spec is one impl-mode workload: the raw spec's rate, size, timing and
// seed, plus what only impl mode has.
type Spec struct {
	load.Spec
	Endpoint string // reqrep: the worker endpoint called
	Task     string // pushpull: the task kind (echo, sleep, hash)
}

// Run drives spec through c and returns what it measured, in the same
// shape as load.Run. It returns once the run and its drain are over.
func Run(ctx context.Context, spec Spec, c *cluster.Cluster) (*load.Outcome, error) {
	return nil, fmt.Errorf("%w: %s", ErrUnsupported, spec.Pattern)
}
