package scenario_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/scenario"
)

func durp(d time.Duration) *time.Duration { return &d }

// TestLoadFull pins the mapping of every field of the schema, away from
// its default, onto the Scenario struct, compared field by field so that a
// failure names the field.
func TestLoadFull(t *testing.T) {
	t.Parallel()
	got, err := scenario.Load("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &scenario.Scenario{
		File: "testdata/full.yaml", Name: "reqrep-latency",
		Description: "Commands to 8 workers while worker-3's link gains 20 ms.",
		Workers:     8, Transport: scenario.TransportTLSTCP, Seed: 42, Warmup: 2 * time.Second, Duration: 10 * time.Second,
		Cluster: scenario.Cluster{HeartbeatInterval: 100 * time.Millisecond, HeartbeatTimeout: 300 * time.Millisecond,
			RequestTimeout: 2 * time.Second, TaskLease: time.Second, TaskBatch: 64, InstanceStart: durp(0),
			ControlPlane: scenario.ControlPlaneProcess},
		Workloads: []scenario.Workload{
			{Name: "cmds", Pattern: scenario.PatternReqRep, Mode: scenario.ModeImpl, Rate: scenario.Rate{PerSecond: 2000},
				Size: scenario.SizeRange{Min: 64, Max: 4096}, Endpoint: "/status", Line: 18},
			{Name: "pushpull", Pattern: scenario.PatternPushPull, Mode: scenario.ModeRaw, Concurrency: 32,
				Size: scenario.SizeRange{Min: 2 << 20, Max: 2 << 20}, Task: "hash", Line: 24},
			{Name: "pushpull-2", Pattern: scenario.PatternPushPull, Mode: scenario.ModeRaw, Rate: scenario.Rate{PerSecond: 2},
				Size: scenario.SizeRange{Min: 1024, Max: 1024}, Task: "echo", Line: 29},
			{Name: "bus", Pattern: scenario.PatternBus, Mode: scenario.ModeRaw, Rate: scenario.Rate{PerSecond: 5000},
				Size: scenario.SizeRange{Min: 1024, Max: 1024}, Line: 30},
		},
		Faults: []scenario.Fault{
			{At: 2 * time.Second, For: 3 * time.Second, Kind: scenario.FaultLatency, Targets: []string{"worker-3"},
				Link: scenario.LinkCommands, Direction: scenario.DirectionDownstream, Toxicity: 0.5,
				Latency: 20 * time.Millisecond, Jitter: 5 * time.Millisecond, Line: 33},
			{At: time.Second, Kind: scenario.FaultBandwidth, Targets: []string{"worker-1", "worker-2"},
				Direction: scenario.DirectionBoth, Toxicity: 1, Rate: 100 << 10, Line: 42},
			{At: 3 * time.Second, Kind: scenario.FaultSlicer, Targets: workers(8), All: true, Direction: scenario.DirectionBoth,
				Toxicity: 1, AverageSize: 64, SizeVariation: 16, Delay: 10 * time.Microsecond, Line: 46},
			{At: 4 * time.Second, Kind: scenario.FaultKill, Controlplane: true, RestartAfter: 2 * time.Second, Line: 52},
			{At: 5 * time.Second, For: time.Second, Kind: scenario.FaultPartition, Targets: []string{"worker-8"},
				Link: scenario.LinkHeartbeats, Direction: scenario.DirectionBoth, Line: 56},
			{At: 6 * time.Second, Kind: scenario.FaultTimeout, Targets: []string{"worker-2"},
				Direction: scenario.DirectionBoth, Toxicity: 1, Line: 61},
			{At: 7 * time.Second, Kind: scenario.FaultLimitData, Targets: []string{"worker-4"},
				Direction: scenario.DirectionBoth, Toxicity: 1, Bytes: 1 << 20, Line: 65},
			{At: 8 * time.Second, For: 500 * time.Millisecond, Kind: scenario.FaultPause, Targets: []string{"worker-5"},
				Controlplane: true, Line: 69},
		},
		Gates: []scenario.Gate{{Expr: "cmds.p99 < 50ms", Line: 74}, {Expr: "pushpull.lost == 0", Line: 75}},
	}
	compareFields(t, "", reflect.ValueOf(*got), reflect.ValueOf(*want))
}

// TestParseMinimal pins the defaults: what a scenario gets for every field
// it leaves out.
func TestParseMinimal(t *testing.T) {
	t.Parallel()
	got, err := scenario.Load("testdata/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &scenario.Scenario{
		File: "testdata/minimal.yaml", Name: "smallest", Workers: 1, Transport: scenario.TransportTCP, Seed: 1,
		Duration: time.Second,
		Workloads: []scenario.Workload{{Name: "reqrep", Pattern: scenario.PatternReqRep, Mode: scenario.ModeImpl,
			Rate: scenario.Rate{PerSecond: 10}, Size: scenario.SizeRange{Min: 1024, Max: 1024}, Endpoint: "/health", Line: 4}},
	}
	compareFields(t, "", reflect.ValueOf(*got), reflect.ValueOf(*want))
}

// TestParseDefaults pins the defaults that depend on other fields.
func TestParseDefaults(t *testing.T) {
	t.Parallel()
	s, err := scenario.Parse("d.yaml", []byte(`name: d
workers: 3
duration: 5s
workloads:
  - {pattern: pair, concurrency: 1}
  - {pattern: pushpull, rate: 1/s}
  - {name: pushpull, pattern: survey, rate: 1/s}
  - {pattern: heartbeat, rate: 1/s}
faults:
  - {at: 0s, kind: latency, latency: 1ms, target: all}
  - {at: 0s, kind: restart, target: all}
  - {at: 0s, kind: bandwidth, rate: 8KiB/s, target: worker-2}
  - {at: 0s, kind: slow_close, delay: 0s, target: controlplane}
`))
	if err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, s) // slow_close keeps its required delay even at 0s
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"pair defaults to raw, the only mode it has", s.Workloads[0].Mode, scenario.ModeRaw},
		{"a generated name skips one given later", s.Workloads[1].Name, "pushpull-2"},
		{"task defaults to echo", s.Workloads[1].Task, "echo"},
		{"heartbeat defaults to impl", s.Workloads[3].Mode, scenario.ModeImpl},
		{"all expands to the workers", s.Faults[0].Targets, workers(3)},
		{"toxicity defaults to 1 for toxics", s.Faults[0].Toxicity, 1.0},
		{"direction defaults to both for toxics", s.Faults[0].Direction, scenario.DirectionBoth},
		{"no direction for a process fault", s.Faults[1].Direction, scenario.Direction("")},
		{"no toxicity for a process fault", s.Faults[1].Toxicity, 0.0},
		{"bandwidth takes an explicit /s", s.Faults[2].Rate, int64(8192)},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
}

// TestParseMerge pins YAML merge keys (<<): explicit keys override merged
// ones, and a problem inside an anchor is reported where it is written.
func TestParseMerge(t *testing.T) {
	t.Parallel()
	s, err := scenario.Parse("m.yaml", []byte(`name: m
duration: 5s
workers: 2
workloads:
  - &base {pattern: reqrep, rate: 5/s, size: 64B}
  - {<<: *base, rate: 7/s}
`))
	if err != nil {
		t.Fatal(err)
	}
	if w := s.Workloads[1]; w.Rate.PerSecond != 7 || w.Size.Min != 64 || w.Name != "reqrep-2" {
		t.Errorf("merged workload = %+v, want rate 7/s, size 64B, name reqrep-2", w)
	}
	_, err = scenario.Parse("m.yaml", []byte(`name: m
duration: 5s
workloads:
  - &base {pattern: reqrep, rat: 5/s}
  - {<<: *base, rate: 7/s}
`))
	want := "m.yaml:4: workloads[0].rat: unknown field\n" +
		"m.yaml:4: workloads[1].rat: unknown field\n" +
		"m.yaml:4: workloads[0]: needs rate (open loop) or concurrency (closed loop)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// TestLoadMissing pins that a file that cannot be read is an error naming
// the path, not a scenario with defaults.
func TestLoadMissing(t *testing.T) {
	t.Parallel()
	_, err := scenario.Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("got %v, want a not-exist error naming the file", err)
	}
}

// TestSummary pins the line `nngbench list` prints.
func TestSummary(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ file, want string }{
		{"testdata/full.yaml", "8 workers, tls+tcp, 10s after 2s warmup; cmds (reqrep) 2000/s, " +
			"pushpull (raw) 32 in flight, pushpull-2 (pushpull, raw) 2/s, bus (raw) 5000/s; 8 faults"},
		{"testdata/minimal.yaml", "1 worker, tcp, 1s; reqrep 10/s; 0 faults"},
	} {
		s, err := scenario.Load(c.file)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Summary(); got != c.want {
			t.Errorf("%s:\ngot  %s\nwant %s", c.file, got, c.want)
		}
	}
}

// TestYAMLRoundTrip pins that the canonical form parses back to the same
// scenario, lines aside: the valid files in testdata, and text that YAML
// must quote to keep (leading spaces, "null", newlines, trailing blanks).
func TestYAMLRoundTrip(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"testdata/full.yaml", "testdata/minimal.yaml"} {
		s, err := scenario.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		checkRoundTrip(t, s)
	}
	for _, desc := range []string{`"null"`, `"  lead"`, `"a\n  b  \n\n"`, `"tab\tand é"`, `"- x"`, `"0x10"`, `"a: b"`} {
		s, err := scenario.Parse("q.yaml", []byte("name: q\nduration: 1s\ndescription: "+desc+
			"\nworkloads:\n  - {pattern: reqrep, rate: 1e-3/s}\ngates: ["+desc+"]\n"))
		if err != nil {
			t.Fatal(err)
		}
		checkRoundTrip(t, s)
	}
}

func TestSweep(t *testing.T) {
	t.Parallel()
	s, err := scenario.Parse("s.yaml", []byte(`name: s
duration: 1s
sweep: {workers: [1, 2, 4]}
workloads: [{pattern: reqrep, rate: 100/s}]
faults:
  - {at: 0s, kind: latency, target: all, latency: 1ms}
  - {at: 0s, kind: kill, target: worker-1}
`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Sweep, []int{1, 2, 4}) || s.Workers != 1 {
		t.Fatalf("sweep %v, workers %d; want [1 2 4] and 1", s.Sweep, s.Workers)
	}
	at := s.At(4)
	if at.Workers != 4 || at.Sweep != nil || !reflect.DeepEqual(at.Faults[0].Targets, workers(4)) ||
		!reflect.DeepEqual(at.Faults[1].Targets, []string{"worker-1"}) {
		t.Fatalf("At(4): workers %d, sweep %v, targets %v and %v", at.Workers, at.Sweep, at.Faults[0].Targets, at.Faults[1].Targets)
	}
	if !reflect.DeepEqual(s.Faults[0].Targets, workers(1)) {
		t.Errorf("At changed the sweep's own faults: %v", s.Faults[0].Targets)
	}
	if got := s.Summary(); !strings.HasPrefix(got, "sweep of 1,2,4 workers, tcp, 1s each") {
		t.Errorf("Summary = %q", got)
	}
	checkRoundTrip(t, s)
	checkRoundTrip(t, at)
}

func TestClusterInstances(t *testing.T) {
	t.Parallel()
	s, err := scenario.Parse("i.yaml", []byte("name: i\nduration: 1s\ncluster: {instances: 12}\nworkloads: [{pattern: reqrep, rate: 1/s}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Cluster.Instances != 12 {
		t.Fatalf("instances %d, want 12", s.Cluster.Instances)
	}
	checkRoundTrip(t, s)
	_, err = scenario.Parse("i.yaml", []byte("name: i\nduration: 1s\ncluster: {instances: -1}\nworkloads: [{pattern: reqrep, rate: 1/s}]\n"))
	if err == nil || err.Error() != "i.yaml:3: cluster.instances: must be between 0 and 100000" {
		t.Fatalf("negative instances: %v", err)
	}
}

func TestClusterReadyTimeout(t *testing.T) {
	t.Parallel()
	s, err := scenario.Parse("r.yaml", []byte("name: r\nduration: 1s\ncluster: {ready_timeout: 2m}\nworkloads: [{pattern: reqrep, rate: 1/s}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Cluster.ReadyTimeout != 2*time.Minute {
		t.Fatalf("ready_timeout %v, want 2m", s.Cluster.ReadyTimeout)
	}
	checkRoundTrip(t, s)
	_, err = scenario.Parse("r.yaml", []byte("name: r\nduration: 1s\ncluster: {ready_timeout: 0s}\nworkloads: [{pattern: reqrep, rate: 1/s}]\n"))
	if err == nil || !strings.Contains(err.Error(), "r.yaml:3: cluster.ready_timeout:") {
		t.Fatalf("zero ready_timeout: %v", err)
	}
}

func TestClusterHandlerDelay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value string
		want  time.Duration
		err   string
	}{
		{"250us", 250 * time.Microsecond, ""},
		{"0s", 0, ""},
		{"1500ns", 0, "h.yaml:3: cluster.handler_delay: must be whole microseconds, at most 1s, got 1.5µs"},
		{"2s", 0, "h.yaml:3: cluster.handler_delay: must be whole microseconds, at most 1s, got 2s"},
	} {
		s, err := scenario.Parse("h.yaml", []byte("name: h\nduration: 1s\ncluster: {handler_delay: "+tc.value+"}\nworkloads: [{pattern: reqrep, rate: 1/s}]\n"))
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %q", tc.value, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.value, err)
		}
		if s.Cluster.HandlerDelay != tc.want {
			t.Errorf("%s: handler_delay %v, want %v", tc.value, s.Cluster.HandlerDelay, tc.want)
		}
		checkRoundTrip(t, s)
	}
}

func workers(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, "worker-"+strconv.Itoa(i))
	}
	return out
}

// compareFields reports each field of got that differs from want, by path.
func compareFields(t *testing.T, path string, got, want reflect.Value) {
	t.Helper()
	switch {
	case got.Kind() == reflect.Struct:
		for i := range got.NumField() {
			compareFields(t, path+"."+got.Type().Field(i).Name, got.Field(i), want.Field(i))
		}
	case got.Kind() == reflect.Slice && got.Len() == want.Len() && got.Type().Elem().Kind() == reflect.Struct:
		for i := range got.Len() {
			compareFields(t, path+"["+strconv.Itoa(i)+"]", got.Index(i), want.Index(i))
		}
	case !reflect.DeepEqual(got.Interface(), want.Interface()):
		t.Errorf("%s = %v, want %v", path, show(got), show(want))
	}
}

func show(v reflect.Value) any {
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		return v.Elem().Interface()
	}
	return v.Interface()
}

// checkRoundTrip fails unless s.YAML() parses back to s, lines aside.
func checkRoundTrip(t *testing.T, s *scenario.Scenario) {
	t.Helper()
	out, err := s.YAML()
	if err != nil {
		t.Fatalf("YAML: %v", err)
	}
	back, err := scenario.Parse(s.File, out)
	if err != nil {
		t.Fatalf("canonical form does not parse: %v\n%s", err, out)
	}
	a, b := withoutLines(s), withoutLines(back)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip changed the scenario:\nbefore %+v\nafter  %+v\ncanonical:\n%s", a, b, out)
	}
}

func withoutLines(s *scenario.Scenario) scenario.Scenario {
	c := *s
	c.Workloads = append([]scenario.Workload(nil), s.Workloads...)
	c.Faults = append([]scenario.Fault(nil), s.Faults...)
	c.Gates = append([]scenario.Gate(nil), s.Gates...)
	for i := range c.Workloads {
		c.Workloads[i].Line = 0
	}
	for i := range c.Faults {
		c.Faults[i].Line = 0
	}
	for i := range c.Gates {
		c.Gates[i].Line = 0
	}
	if s.Rates != nil {
		rs := *s.Rates
		rs.Line = 0
		rs.SLO = append([]scenario.Gate(nil), rs.SLO...)
		for i := range rs.SLO {
			rs.SLO[i].Line = 0
		}
		c.Rates = &rs
	}
	return c
}

func TestWorkloadVia(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		workload, want, err string
	}{
		{"{pattern: reqrep, rate: 1/s, via: controlplane}", scenario.ViaControlPlane, ""},
		{"{pattern: reqrep, rate: 1/s, via: direct}", "", ""},
		{"{pattern: reqrep, rate: 1/s}", "", ""},
		{"{pattern: reqrep, rate: 1/s, via: carrier-pigeon}", "", `v.yaml:4: workloads[0].via: want direct or controlplane, got "carrier-pigeon"`},
		{"{pattern: pushpull, rate: 1/s, via: controlplane}", "", "v.yaml:4: workloads[0].via: only for pattern reqrep in mode impl, not pushpull in mode impl"},
		{"{pattern: reqrep, mode: raw, rate: 1/s, via: controlplane}", "", "v.yaml:4: workloads[0].via: only for pattern reqrep in mode impl, not reqrep in mode raw"},
		// Instances are placed by the control plane: that is the only path for them.
		{"{pattern: reqrep, rate: 1/s, endpoint: /instances/create}", scenario.ViaControlPlane, ""},
		{"{pattern: reqrep, rate: 1/s, endpoint: /instances/delete, via: controlplane}", scenario.ViaControlPlane, ""},
		{"{pattern: reqrep, mode: raw, rate: 1/s, endpoint: /instances/create}", "", ""},
		{"{pattern: reqrep, rate: 1/s, endpoint: /instances/create, via: direct}", "",
			"v.yaml:4: workloads[0].via: /instances/create goes through the control plane, which places instances: leave via out or say via: controlplane"},
	} {
		s, err := scenario.Parse("v.yaml", []byte("name: v\nduration: 1s\nworkloads:\n  - "+tc.workload+"\n"))
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %q", tc.workload, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.workload, err)
		}
		if s.Workloads[0].Via != tc.want {
			t.Errorf("%s: via %q, want %q", tc.workload, s.Workloads[0].Via, tc.want)
		}
		checkRoundTrip(t, s)
	}
}

// TestSeriesInterval: 100 ms under a minute, so that a sub-second fault
// spans points; 1 s from a minute on; an `interval:` key wins either way.
func TestSeriesInterval(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		yaml string
		want time.Duration
	}{
		{"short run", "duration: 10s\n", 100 * time.Millisecond},
		{"just under a minute", "duration: 59.9s\n", 100 * time.Millisecond},
		{"a minute", "duration: 1m\n", time.Second},
		{"long run", "duration: 10m\n", time.Second},
		{"set on a short run", "duration: 10s\ninterval: 250ms\n", 250 * time.Millisecond},
		{"set on a long run", "duration: 10m\ninterval: 100ms\n", 100 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := scenario.Parse("x.yaml", []byte("name: x\n"+tc.yaml+"workloads:\n  - {pattern: reqrep, rate: 1/s}\n"))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.SeriesInterval(); got != tc.want {
				t.Errorf("SeriesInterval = %v, want %v", got, tc.want)
			}
			// The canonical form keeps the key, and only when it was set.
			y, err := s.YAML()
			if err != nil {
				t.Fatal(err)
			}
			if has := strings.Contains(string(y), "interval: "); has != (s.Interval != 0) {
				t.Errorf("canonical YAML has interval %v, scenario's Interval %v:\n%s", has, s.Interval, y)
			}
		})
	}
}
