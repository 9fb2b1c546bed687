package controlplane

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nngbench/nngbench/impl/api"
)

// collector exposes the cluster's state on /metrics beside the sockets'
// counters, read at scrape time.
type collector struct {
	cp                                  *ControlPlane
	nodes, instances, tasks, taskEvents *prometheus.Desc
}

func newCollector(cp *ControlPlane) *collector {
	return &collector{
		cp: cp,
		nodes: prometheus.NewDesc("nngbench_controlplane_nodes", "Known nodes by status.",
			[]string{"status"}, nil),
		instances: prometheus.NewDesc("nngbench_controlplane_instances", "Instances in the registry.", nil, nil),
		tasks: prometheus.NewDesc("nngbench_controlplane_tasks_pending", "Tasks accepted and not completed.",
			nil, nil),
		taskEvents: prometheus.NewDesc("nngbench_controlplane_tasks_total",
			"Tasks accepted, completed, dispatched, redelivered; duplicate results, results rejected (no lease the control plane issued) and stale (a replaced lease).", []string{"what"}, nil),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.nodes
	ch <- c.instances
	ch <- c.tasks
	ch <- c.taskEvents
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	counts := map[string]int{api.StatusOnline: 0, api.StatusOffline: 0}
	c.cp.mu.Lock()
	for _, n := range c.cp.reg.nodes {
		counts[n.status]++
	}
	instances := len(c.cp.reg.insts)
	c.cp.mu.Unlock()
	for status, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.nodes, prometheus.GaugeValue, float64(n), status)
	}
	ch <- prometheus.MustNewConstMetric(c.instances, prometheus.GaugeValue, float64(instances))
	s := c.cp.TaskStats()
	ch <- prometheus.MustNewConstMetric(c.tasks, prometheus.GaugeValue, float64(s.Pending))
	for what, v := range map[string]uint64{
		"accepted": s.Accepted, "completed": s.Completed, "dispatched": s.Dispatches,
		"redelivered": s.Redelivered, "duplicate_results": s.Duplicates,
		"rejected_results": s.Rejected, "stale_results": s.Stale,
	} {
		ch <- prometheus.MustNewConstMetric(c.taskEvents, prometheus.CounterValue, float64(v), what)
	}
}
