package scenario

import (
	"bytes"
	"time"

	"gopkg.in/yaml.v3"
)

// YAML writes the scenario in canonical form: defaults written out, names
// given, one spelling per value. Parse gives back an equal
// Scenario (lines aside), so a run can store exactly what it ran.
func (s *Scenario) YAML() ([]byte, error) {
	out := fileScenario{
		Name: s.Name, Description: s.Description, Transport: string(s.Transport),
		Seed: s.Seed, Warmup: nonZero(s.Warmup), Duration: s.Duration.String(), Interval: nonZero(s.Interval), Cluster: fileClusterOf(s.Cluster),
	}
	switch {
	case s.Rates != nil:
		out.Workers, out.Sweep = s.Workers, fileRateSweepOf(s.Rates)
	case len(s.Sweep) > 0:
		out.Sweep = &fileSweep{Workers: s.Sweep}
	default:
		out.Workers = s.Workers
	}
	for _, w := range s.Workloads {
		fw := fileWorkload{Name: w.Name, Pattern: string(w.Pattern), Mode: string(w.Mode),
			Concurrency: w.Concurrency, Size: w.Size.String(), Endpoint: w.Endpoint, Task: w.Task, Via: w.Via,
			ServiceTime: nonZero(w.ServiceTime)}
		if w.Rate.PerSecond > 0 {
			fw.Rate = w.Rate.String()
		}
		out.Workloads = append(out.Workloads, fw)
	}
	for _, f := range s.Faults {
		out.Faults = append(out.Faults, fileFaultOf(f))
	}
	for _, g := range s.Gates {
		out.Gates = append(out.Gates, g.Expr)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// The file* types mirror the schema for the encoder; decoding never uses
// them (see decoder for why).
type fileScenario struct {
	Name        string         `yaml:"name"`
	Description string         `yaml:"description,omitempty"`
	Workers     int            `yaml:"workers,omitempty"`
	Sweep       *fileSweep     `yaml:"sweep,omitempty"`
	Transport   string         `yaml:"transport"`
	Seed        int64          `yaml:"seed"`
	Warmup      string         `yaml:"warmup,omitempty"`
	Duration    string         `yaml:"duration"`
	Interval    string         `yaml:"interval,omitempty"`
	Cluster     *fileCluster   `yaml:"cluster,omitempty"`
	Workloads   []fileWorkload `yaml:"workloads"`
	Faults      []fileFault    `yaml:"faults,omitempty"`
	Gates       []string       `yaml:"gates,omitempty"`
}

type fileSweep struct {
	Workers  []int    `yaml:"workers,flow,omitempty"`
	Rate     any      `yaml:"rate,omitempty"` // "auto", or a list of N/s
	SLO      []string `yaml:"slo,omitempty"`
	Workload []string `yaml:"workload,flow,omitempty"`
	Start    string   `yaml:"start,omitempty"`
	MaxSteps int      `yaml:"max_steps,omitempty"`
}

func fileRateSweepOf(r *RateSweep) *fileSweep {
	fs := &fileSweep{Workload: r.Workloads, MaxSteps: r.MaxSteps, Rate: "auto"}
	if !r.Auto {
		rates := make([]string, len(r.Rates))
		for i, x := range r.Rates {
			rates[i] = Rate{PerSecond: x}.String()
		}
		fs.Rate = rates
	}
	for _, g := range r.SLO {
		fs.SLO = append(fs.SLO, g.Expr)
	}
	if r.Start > 0 {
		fs.Start = Rate{PerSecond: r.Start}.String()
	}
	return fs
}

type fileCluster struct {
	HeartbeatInterval string  `yaml:"heartbeat_interval,omitempty"`
	HeartbeatTimeout  string  `yaml:"heartbeat_timeout,omitempty"`
	RequestTimeout    string  `yaml:"request_timeout,omitempty"`
	TaskLease         string  `yaml:"task_lease,omitempty"`
	TaskBatch         int     `yaml:"task_batch,omitempty"`
	Instances         int     `yaml:"instances,omitempty"`
	ControlPlane      string  `yaml:"controlplane,omitempty"`
	InstanceStart     *string `yaml:"instance_start,omitempty"`
	ReadyTimeout      string  `yaml:"ready_timeout,omitempty"`
	HandlerDelay      string  `yaml:"handler_delay,omitempty"`
}

type fileWorkload struct {
	Name        string `yaml:"name"`
	Pattern     string `yaml:"pattern"`
	Mode        string `yaml:"mode"`
	Rate        string `yaml:"rate,omitempty"`
	Concurrency int    `yaml:"concurrency,omitempty"`
	Size        string `yaml:"size"`
	Endpoint    string `yaml:"endpoint,omitempty"`
	Via         string `yaml:"via,omitempty"`
	Task        string `yaml:"task,omitempty"`
	ServiceTime string `yaml:"service_time,omitempty"`
}

type fileFault struct {
	At            string   `yaml:"at"`
	For           string   `yaml:"for,omitempty"`
	Kind          string   `yaml:"kind"`
	Target        any      `yaml:"target"` // "all", or a list
	Link          string   `yaml:"link,omitempty"`
	Direction     string   `yaml:"direction,omitempty"`
	Toxicity      *float64 `yaml:"toxicity,omitempty"`
	Latency       string   `yaml:"latency,omitempty"`
	Jitter        string   `yaml:"jitter,omitempty"`
	Rate          string   `yaml:"rate,omitempty"`
	Delay         string   `yaml:"delay,omitempty"`
	Timeout       string   `yaml:"timeout,omitempty"`
	Bytes         string   `yaml:"bytes,omitempty"`
	AverageSize   string   `yaml:"average_size,omitempty"`
	SizeVariation string   `yaml:"size_variation,omitempty"`
	RestartAfter  string   `yaml:"restart_after,omitempty"`
}

func fileClusterOf(c Cluster) *fileCluster {
	if c == (Cluster{}) {
		return nil
	}
	fc := &fileCluster{HeartbeatInterval: nonZero(c.HeartbeatInterval), HeartbeatTimeout: nonZero(c.HeartbeatTimeout),
		RequestTimeout: nonZero(c.RequestTimeout), TaskLease: nonZero(c.TaskLease), TaskBatch: c.TaskBatch,
		Instances: c.Instances, ControlPlane: string(c.ControlPlane), ReadyTimeout: nonZero(c.ReadyTimeout),
		HandlerDelay: nonZero(c.HandlerDelay)}
	if c.InstanceStart != nil {
		v := c.InstanceStart.String()
		fc.InstanceStart = &v
	}
	return fc
}

func fileFaultOf(f Fault) fileFault {
	ff := fileFault{At: f.At.String(), For: nonZero(f.For), Kind: string(f.Kind), Link: string(f.Link),
		Direction: string(f.Direction), Latency: nonZero(f.Latency), Jitter: nonZero(f.Jitter),
		Delay: nonZero(f.Delay), Timeout: nonZero(f.Timeout), RestartAfter: nonZero(f.RestartAfter),
		Rate: nonZeroSize(f.Rate), Bytes: nonZeroSize(f.Bytes), AverageSize: nonZeroSize(f.AverageSize),
		SizeVariation: nonZeroSize(f.SizeVariation)}
	if f.All { // kept as written, since a sweep expands it per point; it stands alone
		ff.Target = "all"
	} else {
		var ts []string
		if f.Controlplane {
			ts = append(ts, "controlplane")
		}
		ff.Target = append(ts, f.Targets...)
	}
	if f.Kind.IsToxic() {
		ff.Toxicity = &f.Toxicity
	}
	// A required key stays even at zero, or the file would not parse back.
	if f.Kind == FaultSlowClose && ff.Delay == "" {
		ff.Delay = "0s"
	}
	return ff
}

func nonZero(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func nonZeroSize(n int64) string {
	if n == 0 {
		return ""
	}
	return formatSize(n)
}
