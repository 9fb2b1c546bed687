package run

import (
	"context"
	"time"

	"github.com/nngbench/nngbench/harness/check"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/impl/controlplane"
)

// settle bounds how long the checks after a run wait for the cluster to
// settle (workers back online, instances migrated, config converged), on
// top of the heartbeat timeout it takes to notice a worker at all.
const settle = 10 * time.Second

// gone lists the workers a fault killed for good: the checks do not wait
// for them to come back.
func gone(s *scenario.Scenario) []string {
	var out []string
	for _, f := range s.Faults {
		if f.Kind == scenario.FaultKill && f.RestartAfter == 0 {
			out = append(out, f.Targets...)
		}
	}
	return out
}

// clusterChecks runs, after the faults are healed and while the cluster
// still runs, the checks of what the system did: instances in one place
// (and, when the workloads created some, each of them accounted for),
// config converged, tasks done once.
func (r *runner) clusterChecks(ctx context.Context) []result.Check {
	down := gone(r.s)
	within := settle + r.heartbeatTimeout()
	out := []result.Check{check.Instances(ctx, r.cluster, within, down...)}
	if made := r.instances.Made(); made.Any() {
		out = append(out, check.Accounting(ctx, r.cluster, made, within))
	}
	cfg, _ := check.Config(ctx, r.cluster, within, down...)
	out = append(out, cfg)
	if tasks, err := check.Tasks(ctx, r.cluster, settle+2*r.taskLease()); err != nil {
		out = append(out, result.Check{Name: "tasks", Detail: err.Error(), Counts: map[string]int64{}})
	} else {
		out = append(out, tasks)
	}
	if after, err := r.cluster.Sockets(ctx); err == nil && r.sockets != nil {
		out = append(out, check.Retries(*r.sockets, after, controlplane.Default().Retry.MaxRetries))
	}
	return out
}

// taskLease is how long a worker has for a task before it is dispatched
// again: a task held up by a fault may take two to complete.
func (r *runner) taskLease() time.Duration {
	if l := r.s.Cluster.TaskLease; l > 0 {
		return l
	}
	return controlplane.Default().Tasks.Lease.D()
}

func (r *runner) heartbeatTimeout() time.Duration {
	if t := r.s.Cluster.HeartbeatTimeout; t > 0 {
		return t
	}
	return scenario.DefaultHeartbeatTimeout
}
