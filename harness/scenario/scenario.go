// Package scenario reads benchmark scenario files strictly and checks them
// whole before anything starts, reporting every problem at once as
// FILE:LINE: FIELD: problem.
package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Defaults and limits of the schema.
const (
	DefaultWorkers  = 1
	MaxWorkers      = 1024
	MaxInstances    = 100_000
	DefaultSeed     = 1
	DefaultEndpoint = "/health"
	DefaultSize     = 1 * KiB
	// impl/worker's and impl/controlplane's defaults, to check a heartbeat
	// setting given alone; copied so that reading a scenario (nngbench list)
	// does not link the whole of impl/.
	DefaultHeartbeatInterval = 10 * time.Second
	DefaultHeartbeatTimeout  = 30 * time.Second
)

// Scenario is one checked scenario file, defaults filled in.
type Scenario struct {
	File        string // where it was read from, for messages
	Name        string // [a-z0-9-]+; names the output folder
	Description string
	Workers     int // worker processes, 1..1024; a sweep's smallest count
	// Sweep lists the worker counts of a scaling sweep, increasing: the
	// scenario runs once per count (see At). Nil for a single run.
	Sweep []int
	// Rates is a sweep of the offered rate instead (see RateSweep); nil
	// when the rate does not vary.
	Rates     *RateSweep
	Transport Transport
	Seed      int64 // for every random choice of the run, so a run can be repeated
	Warmup    time.Duration
	Duration  time.Duration // measured time, after Warmup
	// Interval is the width of the result's time series (its intervals,
	// the plots over time and the .hlog); 0 takes the default
	// (SeriesInterval).
	Interval  time.Duration
	Cluster   Cluster
	Workloads []Workload // at least one
	Faults    []Fault    // the timeline, in file order
	Gates     []Gate
}

// Series intervals: the defaults, and the bounds of an `interval:` key.
const (
	// ShortRunInterval is the default interval of a run under a minute:
	// a 0.25 s detection or a 1 s pause spans several points, not one.
	ShortRunInterval = 100 * time.Millisecond
	// LongRunInterval is the default from a minute on.
	LongRunInterval = time.Second
	// MinInterval is the finest interval a scenario may ask for.
	MinInterval = time.Millisecond
	// MaxIntervals bounds the intervals of one run, and with them the
	// memory of the per-interval histograms (some 20 KB each).
	MaxIntervals = 10_000
)

// SeriesInterval is the width of the run's time series: Interval if set,
// else ShortRunInterval for a measured window under a minute and
// LongRunInterval from a minute on.
func (s *Scenario) SeriesInterval() time.Duration {
	switch {
	case s.Interval > 0:
		return s.Interval
	case s.Duration < time.Minute:
		return ShortRunInterval
	default:
		return LongRunInterval
	}
}

// Cluster overrides control-plane and worker settings. A zero field keeps
// impl/'s default; InstanceStart is a pointer because 0 is a valid override.
type Cluster struct {
	HeartbeatInterval time.Duration
	HeartbeatTimeout  time.Duration // >= the interval in effect
	RequestTimeout    time.Duration
	TaskLease         time.Duration
	TaskBatch         int
	InstanceStart     *time.Duration
	// Instances is how many instances the control plane places before the
	// load starts, so that faults have something to migrate.
	Instances int
	// ControlPlane says where the control plane runs; "" is embedded.
	ControlPlane ControlPlaneMode
	// ReadyTimeout bounds the cluster's start: each program's ready file
	// and every worker online; zero scales with the worker count (see
	// harness/cluster's Options.ReadyTimeout).
	ReadyTimeout time.Duration
	// HandlerDelay is a fixed cost the workers add to every command they
	// serve (the worker's handler_delay_us), to the microsecond: a
	// regression to dial for testing a latency gate.
	HandlerDelay time.Duration
}

// Workload is one stream of messages in one pattern.
type Workload struct {
	Name        string // unique; defaults to the pattern, then pattern-2, pattern-3, ...
	Pattern     Pattern
	Mode        Mode      // defaults to impl, or raw for bus and pair, which only run raw
	Rate        Rate      // open loop; zero when Concurrency is set
	Concurrency int       // closed loop: messages in flight; zero when Rate is set
	Size        SizeRange // payload bytes; default 1KiB
	Endpoint    string    // reqrep only; default /health
	Task        string    // pushpull only: echo, sleep or hash; default echo
	// Via is how impl reqrep reaches the workers: "" (direct) calls each
	// worker's command socket; ViaControlPlane sends each command through
	// the control plane's relay (client -> control plane -> worker and
	// back), the path of a client that reaches the cluster only through
	// its control plane. PlacedEndpoints take ViaControlPlane, the only
	// path they have: the default for them, and direct is refused.
	Via string
	// ServiceTime, raw reqrep only, makes each replier answer one request
	// at a time and take this long for each: a capacity of 1/ServiceTime
	// requests per second per replier. Zero: repliers echo at once.
	ServiceTime time.Duration
	Line        int // where it starts in the file, for messages about it later
}

// PlacedEndpoints are the reqrep endpoints that create and delete
// instances: the control plane's admin create and delete, which place
// them (impl/api's AdminCreateInstance, AdminDeleteInstance).
var PlacedEndpoints = []string{"/instances/create", "/instances/delete"}

// Values of Workload.Via.
const (
	ViaDirect       = "direct"
	ViaControlPlane = "controlplane"
)

// Fault is one entry of the timeline. Fields that do not apply to Kind are
// zero.
type Fault struct {
	At            time.Duration // after the end of warmup
	For           time.Duration // 0 = until the end of the run
	Kind          FaultKind
	Targets       []string // worker-N, "all" expanded; the control plane is Controlplane
	All           bool     // the target was "all": At expands it again for its worker count
	Controlplane  bool
	Link          Link          // toxics and partition; "" = every link
	Direction     Direction     // toxics and partition; default both
	Toxicity      float64       // toxics: the share of connections hit; default 1
	Latency       time.Duration // latency: added to each chunk of data
	Jitter        time.Duration // latency: up to this much more or less
	Delay         time.Duration // slow_close: before closing; slicer: between slices
	Timeout       time.Duration // timeout: close after it, 0 = never (data is dropped until healed); reset_peer: before the reset
	RestartAfter  time.Duration // kill: start the process again after this; 0 = never
	Rate          int64         // bandwidth: bytes per second, written 100KiB or 100KiB/s
	Bytes         int64         // limit_data: close after this many bytes
	AverageSize   int64         // slicer
	SizeVariation int64         // slicer
	Line          int           // where it starts in the file
}

// Gate is a pass/fail condition on the results, kept as written: its
// grammar belongs to the gate package.
type Gate struct {
	Expr string
	Line int
}

// MaxFileBytes is the largest scenario file Load reads. Parsing takes time
// and memory linear in the file (yaml.v3 holds the whole node tree, some
// 40 bytes of memory per byte of a list of small workloads), so the cap
// bounds both; real scenarios are a few KiB.
const MaxFileBytes = 64 << 20

// Load reads and checks the scenario file at path.
func Load(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	defer f.Close()
	tooLarge := &Error{File: path, Msg: fmt.Sprintf("file larger than %d MiB: a scenario is a few KiB", MaxFileBytes>>20)}
	if st, err := f.Stat(); err == nil && st.Size() > MaxFileBytes {
		return nil, tooLarge
	}
	// Reading one byte over the cap tells a pipe at the cap from a longer
	// one without reading the rest of it.
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	if len(data) > MaxFileBytes {
		return nil, tooLarge
	}
	return Parse(path, data)
}

// Parse checks a scenario held in data; name is the file name used in
// messages. The error joins one *Error per problem, in file order.
func Parse(name string, data []byte) (*Scenario, error) {
	root, err := document(name, data)
	if err != nil {
		return nil, err
	}
	d := newDecoder(name)
	s, targets := d.scenario(root)
	if d.fatal != nil {
		return nil, d.fatal
	}
	if s != nil {
		d.check(s, targets)
	}
	if err := joinErrors(d.errs); err != nil {
		return nil, err
	}
	return s, nil
}

// document parses data as exactly one YAML document.
func document(name string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) || (err == nil && len(doc.Content) == 0) {
		return nil, &Error{File: name, Line: 1, Msg: "empty file: a scenario needs at least name, duration and workloads"}
	} else if err != nil {
		return nil, syntaxError(name, err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return nil, &Error{File: name, Line: next.Line, Msg: "a second YAML document: a scenario file holds one"}
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxError(name, err)
	}
	return doc.Content[0], nil
}

// At returns the scenario with n workers and no sweep: one point of a
// sweep. Faults on "all" target every one of the n workers.
func (s *Scenario) At(n int) *Scenario {
	c := *s
	c.Workers, c.Sweep = n, nil
	c.Faults = make([]Fault, len(s.Faults))
	for i, f := range s.Faults {
		if f.All {
			f.Targets = allWorkers(n)
		} else {
			f.Targets = slices.Clone(f.Targets)
		}
		c.Faults[i] = f
	}
	c.Workloads = slices.Clone(s.Workloads)
	c.Gates = slices.Clone(s.Gates)
	return &c
}

func allWorkers(n int) []string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = "worker-" + strconv.Itoa(i+1)
	}
	return ws
}

// Summary describes the scenario in one line for `nngbench list`, which
// prints the name beside it.
func (s *Scenario) Summary() string {
	var b strings.Builder
	if s.Rates != nil {
		fmt.Fprintf(&b, "%s; %d worker%s, %s, %v each", s.Rates.summary(), s.Workers, plural(s.Workers), s.Transport, s.Duration)
	} else if len(s.Sweep) > 0 {
		fmt.Fprintf(&b, "sweep of %s workers, %s, %v each", joinInts(s.Sweep), s.Transport, s.Duration)
	} else {
		fmt.Fprintf(&b, "%d worker%s, %s, %v", s.Workers, plural(s.Workers), s.Transport, s.Duration)
	}
	if s.Warmup > 0 {
		fmt.Fprintf(&b, " after %v warmup", s.Warmup)
	}
	b.WriteString(";")
	for i, w := range s.Workloads {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(" " + w.Name)
		var tags []string
		if w.Name != string(w.Pattern) {
			tags = append(tags, string(w.Pattern))
		}
		if w.Mode == ModeRaw {
			tags = append(tags, "raw")
		}
		if len(tags) > 0 {
			b.WriteString(" (" + strings.Join(tags, ", ") + ")")
		}
		// strconv, not fmt, which took most of the time of summing up a
		// million workloads; 'g' with precision -1 is what %g prints.
		if w.Concurrency > 0 {
			b.WriteString(" " + strconv.Itoa(w.Concurrency) + " in flight")
		} else {
			b.WriteString(" " + strconv.FormatFloat(w.Rate.PerSecond, 'g', -1, 64) + "/s")
		}
	}
	fmt.Fprintf(&b, "; %d fault%s", len(s.Faults), plural(len(s.Faults)))
	return b.String()
}

func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
