package cluster

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/tlsconf"
	"github.com/nngbench/nngbench/impl/worker"
)

// controlPlaneConfig is the control plane's config: every address on
// loopback port 0 (or a socket of the cluster's own for ipc and inproc),
// with tls, impl's defaults overridden by Timing.
func controlPlaneConfig(o Options, n *network, tls tlsconf.Config) controlplane.Config {
	cfg := controlplane.Default()
	m := &cfg.Messaging
	m.BindAddress, m.PubAddress = n.listenAddress("cp.bind"), n.listenAddress("cp.pub")
	m.TaskAddress, m.ResultAddress = n.listenAddress("cp.tasks"), n.listenAddress("cp.results")
	m.AdminAddress = n.listenAddress("cp.admin")
	m.TLS = tls
	cfg.MetricsAddress = "127.0.0.1:0"
	if o.ControlPlane == Separate {
		// The run's own, for a control plane a fault can kill and restart.
		// The embedded one ends with the harness: a data_dir would only add
		// its fsyncs to every task's latency.
		cfg.DataDir = filepath.Join(o.Dir, "controlplane.data")
	}
	t := o.Timing
	setSeconds(&m.HeartbeatInterval, t.HeartbeatInterval)
	setSeconds(&m.HeartbeatTimeout, t.HeartbeatTimeout)
	setSeconds(&m.RequestTimeout, t.RequestTimeout)
	setSeconds(&cfg.Tasks.Lease, t.TaskLease)
	if t.TaskBatch > 0 {
		cfg.Tasks.BatchSize = t.TaskBatch
	}
	return cfg
}

// workerLinks are the addresses a worker is given: its proxies' listen
// addresses where links are proxied, the sockets themselves otherwise.
type workerLinks struct {
	bind, advertise, controlPlane, sub, tasks, results, surveys string
}

// workerConfig is worker-N's config, with its links and tls.
func workerConfig(o Options, name string, l workerLinks, tls tlsconf.Config) worker.Config {
	cfg := worker.DefaultConfig()
	cfg.NodeID = name
	m := &cfg.Messaging
	m.BindAddress, m.AdvertiseAddress = l.bind, l.advertise
	m.TLS = tls
	m.ControlPlaneAddress, m.SubAddress, m.TaskAddress, m.ResultAddress = l.controlPlane, l.sub, l.tasks, l.results
	m.SurveyAddress = l.surveys // through its proxy, so that faults reach surveys too
	m.ReconnectInterval = config.Seconds(o.ReconnectInterval)
	setSeconds(&m.HeartbeatInterval, o.Timing.HeartbeatInterval)
	setSeconds(&m.RequestTimeout, o.Timing.RequestTimeout)
	if o.Timing.InstanceStart != nil {
		cfg.Instances.StartSeconds = config.Seconds(*o.Timing.InstanceStart)
	}
	cfg.Tasks.JournalFile = filepath.Join(o.Dir, name+".journal")
	cfg.ConfigJournalFile = configJournalPath(o.Dir, name)
	cfg.HandlerDelayUS = int(o.Timing.HandlerDelay / time.Microsecond)
	return cfg
}

// configJournalPath is where worker name journals its config receipts.
func configJournalPath(dir, name string) string { return filepath.Join(dir, name+".config-journal") }

func setSeconds(dst *config.Seconds, d interface{ Nanoseconds() int64 }) {
	if n := d.Nanoseconds(); n > 0 {
		*dst = config.Seconds(n)
	}
}

// writeConfig writes v as JSON to dir/name and returns the path.
func writeConfig(dir, name string, v any) (string, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", fmt.Errorf("cluster: %s: %w", name, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return "", fmt.Errorf("cluster: %w", err)
	}
	return path, nil
}
