package check

import (
	"context"

	"github.com/nngbench/nngbench/impl/api"
)

// State is what the checks read of a cluster: the control plane's view and
// each worker's own. *cluster.Cluster implements it.
type State interface {
	Workers() []string
	Nodes(ctx context.Context) ([]api.Node, error)
	Instances(ctx context.Context) ([]api.Instance, error)
	TaskStats(ctx context.Context) (api.TaskStats, error)
	Config(ctx context.Context) (api.ConfigSnapshot, error)
	Call(ctx context.Context, worker, endpoint string, in, out any) error
	Journal(worker string) ([]string, error)
}
