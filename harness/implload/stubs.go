package implload

import (
	"context"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/load"
)

func runHeartbeat(ctx context.Context, spec Spec, c *cluster.Cluster, workers []string) (*load.Outcome, error) {
	return nil, ErrUnsupported
}
