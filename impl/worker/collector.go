package worker

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// counters are the worker's own counts; Stats and /metrics read them.
type counters struct {
	registrations     atomic.Uint64
	registerFailures  atomic.Uint64
	heartbeats        atomic.Uint64
	heartbeatFailures atomic.Uint64
	configBroadcasts  atomic.Uint64
	configFetches     atomic.Uint64
	configRejected    atomic.Uint64
	executed          atomic.Uint64
	replayed          atomic.Uint64
	expired           atomic.Uint64
	resultsLost       atomic.Uint64

	configJournalFailures atomic.Uint64
}

// collector exposes Stats at scrape time. Its series carry the node id as
// a constant label, so several in-process workers can share one registry.
type collector struct {
	w     *Worker
	descs []*prometheus.Desc
	read  []func(Stats) (float64, prometheus.ValueType)
}

func newCollector(w *Worker) *collector {
	c := &collector{w: w}
	labels := prometheus.Labels{"node": w.cfg.NodeID}
	add := func(name, help string, read func(Stats) (float64, prometheus.ValueType)) {
		c.descs = append(c.descs, prometheus.NewDesc("nngbench_worker_"+name, help, nil, labels))
		c.read = append(c.read, read)
	}
	gauge := func(v float64) (float64, prometheus.ValueType) { return v, prometheus.GaugeValue }
	counter := func(v uint64) (float64, prometheus.ValueType) { return float64(v), prometheus.CounterValue }
	add("instances", "Instances on the worker.", func(s Stats) (float64, prometheus.ValueType) { return gauge(float64(s.Instances)) })
	add("config_version", "Config version applied.", func(s Stats) (float64, prometheus.ValueType) { return gauge(float64(s.ConfigVersion)) })
	add("registrations_total", "Registrations with the control plane.", func(s Stats) (float64, prometheus.ValueType) { return counter(s.Registrations) })
	add("register_failures_total", "Registration attempts that failed.", func(s Stats) (float64, prometheus.ValueType) { return counter(s.RegisterFailures) })
	add("heartbeats_total", "Heartbeats answered.", func(s Stats) (float64, prometheus.ValueType) { return counter(s.Heartbeats) })
	add("heartbeat_failures_total", "Heartbeats that failed.", func(s Stats) (float64, prometheus.ValueType) { return counter(s.HeartbeatFailures) })
	add("config_broadcasts_total", "Config updates received.", func(s Stats) (float64, prometheus.ValueType) { return counter(s.ConfigBroadcasts) })
	add("config_rejected_total", "Config updates refused: not signed with auth.secret_file.", func(s Stats) (float64, prometheus.ValueType) {
		return counter(s.ConfigRejected)
	})
	add("config_fetches_total", "Config snapshots fetched.", func(s Stats) (float64, prometheus.ValueType) { return counter(s.ConfigFetches) })
	add("tasks_executed_total", "Tasks executed.", func(s Stats) (float64, prometheus.ValueType) { return counter(s.TasksExecuted) })
	add("tasks_replayed_total", "Tasks answered from the record of completed tasks.", func(s Stats) (float64, prometheus.ValueType) { return counter(s.TasksReplayed) })
	add("tasks_expired_total", "Tasks dropped because their lease passed.", func(s Stats) (float64, prometheus.ValueType) { return counter(s.TasksExpired) })
	add("results_lost_total", "Results not known to be written.", func(s Stats) (float64, prometheus.ValueType) { return counter(s.ResultsLost) })
	add("config_journal_failures_total", "Config journal lines not written.", func(s Stats) (float64, prometheus.ValueType) {
		return counter(s.ConfigJournalFailures)
	})
	return c
}

// Describe sends every descriptor.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect sends the current values.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.w.Stats()
	for i, d := range c.descs {
		v, t := c.read[i](s)
		ch <- prometheus.MustNewConstMetric(d, t, v)
	}
}
