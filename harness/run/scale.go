package run

import (
	"cmp"
	"context"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
)

// clusterWatch is what the runner watches of the cluster while the load
// runs: heartbeats, and the control plane's CPU time, for result.Cluster.
type clusterWatch struct {
	interval time.Duration
	beats    *cluster.BeatWatch
	cpu0     time.Duration
	cpuOK    bool
	start    time.Time
	out      *result.Cluster
}

// watchCluster starts watching at the load's start. The node list is read
// ten times per heartbeat interval (between 50 ms and 1 s), so that every
// beat is seen as one.
func (r *runner) watchCluster(ctx context.Context) *clusterWatch {
	if r.cluster == nil || r.s.Transport == scenario.TransportInproc {
		return nil
	}
	interval := cmp.Or(r.s.Cluster.HeartbeatInterval, scenario.DefaultHeartbeatInterval)
	poll := min(max(interval/10, 50*time.Millisecond), time.Second)
	w := &clusterWatch{interval: interval, start: time.Now(), beats: r.cluster.WatchBeats(ctx, interval, poll)}
	w.cpu0, w.cpuOK = r.cluster.ControlPlaneCPU()
	return w
}

// stop ends the watch at the load's end and keeps what it saw.
func (w *clusterWatch) stop(c *cluster.Cluster) {
	if w == nil {
		return
	}
	b := w.beats.Stop()
	st := c.StartTimes()
	out := &result.Cluster{
		Workers: len(c.Workers()), ReadyS: st.Ready.Seconds(), OnlineS: st.Online.Seconds(),
		Heartbeats: result.Beats{IntervalS: w.interval.Seconds(), Handled: b.Handled, Late: b.Late,
			MaxGapS: b.MaxGap.Seconds(), Offline: b.Offline},
	}
	if m, err := c.Memory(); err == nil {
		out.WorkerRSSMeanMiB, out.WorkerRSSMaxMiB = mib(m.MeanRSS), mib(m.MaxRSS)
		if m.ControlPlaneSeen {
			v := mib(m.ControlPlaneRSS)
			out.ControlPlaneRSSMiB = &v
		}
	}
	if cpu, ok := c.ControlPlaneCPU(); ok && w.cpuOK {
		s := (cpu - w.cpu0).Seconds()
		pct := 100 * s / time.Since(w.start).Seconds()
		out.ControlPlaneCPUS, out.ControlPlaneCPUPct = &s, &pct
	}
	w.out = out
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
