package scenario_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/harness/scenario"
)

// head is a valid start that cases extend; it takes lines 1-5, so a case's
// own lines start at 6.
const head = `name: x
workers: 8
duration: 10s
workloads:
  - {pattern: reqrep, rate: 10/s}
`

// TestParseErrors pins, for each kind of mistake, the whole message: the
// file, the line a person must look at, the field path and the problem.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, yaml, want string
		is               error // a sentinel the error must match, if any
	}{
		{name: "unknown key at the top", yaml: head + "seeds: 3\n",
			want: "x.yaml:6: seeds: unknown field"},
		{name: "unknown key in cluster", yaml: head + "cluster:\n  heartbeat: 1s\n",
			want: "x.yaml:7: cluster.heartbeat: unknown field"},
		{name: "unknown key in a workload", yaml: "name: x\nduration: 1s\nworkloads:\n  - pattern: reqrep\n    concurrency: 1\n    rat: 10/s\n",
			want: "x.yaml:6: workloads[0].rat: unknown field"},
		{name: "unknown key in a fault", yaml: head + "faults:\n  - at: 1s\n    kind: kill\n    target: all\n    sig: 9\n",
			want: "x.yaml:10: faults[0].sig: unknown field"},
		{name: "unknown key that is not a name", yaml: head + "a.b c: 1\n",
			want: `x.yaml:6: "a.b c": unknown field`},
		{name: "repeated key", yaml: head + "workers: 4\n",
			want: "x.yaml:6: workers: repeated key (first at line 2)"},
		{name: "bad duration", yaml: head + "warmup: 2 s\n",
			want: `x.yaml:6: warmup: bad duration "2 s"`},
		{name: "interval finer than a millisecond", yaml: head + "interval: 500us\n",
			want: "x.yaml:6: interval: 500µs is finer than the 1ms the series can hold"},
		{name: "interval longer than the run", yaml: head + "interval: 20s\n",
			want: "x.yaml:6: interval: 20s is longer than the 10s duration: the series would have one point"},
		{name: "too many intervals", yaml: "name: x\nduration: 20s\ninterval: 1ms\nworkloads:\n  - {pattern: reqrep, rate: 1/s}\n",
			want: "x.yaml:3: interval: 1ms makes 20000 intervals of the 20s duration, more than 10000"},
		{name: "interval zero", yaml: head + "interval: 0s\n",
			want: "x.yaml:6: interval: must be > 0"},
		{name: "duration without unit", yaml: "name: x\nduration: 10\nworkloads:\n  - {pattern: reqrep, rate: 1/s}\n",
			want: `x.yaml:2: duration: bad duration "10": no unit (e.g. 10s or 10ms)`},
		{name: "workers 0", yaml: "name: x\nduration: 1s\nworkers: 0\nworkloads:\n  - {pattern: reqrep, rate: 1/s}\n",
			want: "x.yaml:3: workers: must be between 1 and 1024"},
		{name: "workers 2000", yaml: "name: x\nduration: 1s\nworkers: 2000\nworkloads:\n  - {pattern: reqrep, rate: 1/s}\n",
			want: "x.yaml:3: workers: must be between 1 and 1024"},
		{name: "workers quoted", yaml: "name: x\nduration: 1s\nworkers: \"8\"\nworkloads:\n  - {pattern: reqrep, rate: 1/s}\n",
			want: `x.yaml:3: workers: expected a whole number, got "8"`},
		{name: "sweep and workers", yaml: head + "sweep: {workers: [1, 2]}\n",
			want: "x.yaml:2: workers: a sweep is given too: it sets the worker count of each run"},
		{name: "sweep decreasing", yaml: "name: x\nduration: 1s\nsweep:\n  workers: [4, 2]\nworkloads:\n  - {pattern: reqrep, rate: 1/s}\n",
			want: "x.yaml:4: sweep.workers[1]: must be above the count before it (4): list worker counts in increasing order"},
		{name: "sweep of one", yaml: "name: x\nduration: 1s\nsweep:\n  workers: [4]\nworkloads:\n  - {pattern: reqrep, rate: 1/s}\n",
			want: "x.yaml:4: sweep.workers: a sweep needs at least two worker counts"},
		{name: "sweep without workers", yaml: "name: x\nduration: 1s\nsweep: {}\nworkloads:\n  - {pattern: reqrep, rate: 1/s}\n",
			want: "x.yaml:3: sweep.workers: required in a sweep"},
		{name: "target beyond a sweep's first run", yaml: "name: x\nduration: 1s\nsweep: {workers: [2, 8]}\nworkloads:\n  - {pattern: reqrep, rate: 1/s}\n" +
			"faults:\n  - {at: 0s, kind: kill, target: worker-3}\n",
			want: "x.yaml:7: faults[0].target: no worker-3 (the sweep's first run has: 2)"},
		{name: "a process fault on an embedded control plane", yaml: head + "faults:\n  - {at: 1s, kind: restart, target: controlplane}\n",
			want: "x.yaml:7: faults[0].target: restart of the controlplane acts on its process: set cluster.controlplane: process"},
		{name: "the control plane killed for good", yaml: head + "cluster: {controlplane: process}\nfaults:\n  - {at: 1s, kind: kill, target: controlplane}\n",
			want: "x.yaml:8: faults[0].restart_after: required to kill the controlplane: nothing would run the cluster after it"},
		{name: "impl tasks need the control plane embedded", yaml: "name: x\nduration: 1s\ncluster: {controlplane: process}\nworkloads:\n  - {pattern: pushpull, rate: 1/s}\n",
			want: "x.yaml:5: workloads[0].pattern: pushpull in mode impl drives the control plane through its Go API: it needs cluster.controlplane: embedded"},
		{name: "unknown control plane mode", yaml: head + "cluster: {controlplane: remote}\n", is: scenario.ErrUnknownCPMode,
			want: `x.yaml:6: cluster.controlplane: unknown control plane mode "remote" (want embedded or process)`},
		{name: "negative for", yaml: head + "faults:\n  - at: 1s\n    for: -3s\n    kind: pause\n    target: worker-1\n",
			want: "x.yaml:8: faults[0].for: must be > 0"},
		{name: "unknown kind", yaml: head + "faults:\n  - {at: 1s, kind: lag, target: all}\n", is: scenario.ErrUnknownFaultKind,
			want: `x.yaml:7: faults[0].kind: unknown fault kind "lag" (want latency, bandwidth, slow_close, timeout, ` +
				`reset_peer, slicer, limit_data, partition, kill, pause or restart)`},
		{name: "unknown pattern", yaml: "name: x\nduration: 1s\nworkloads:\n  - {pattern: rpc, rate: 1/s}\n", is: scenario.ErrUnknownPattern,
			want: `x.yaml:4: workloads[0].pattern: unknown pattern "rpc" (want reqrep, pubsub, pushpull, survey, bus, pair or heartbeat)`},
		{name: "unknown transport", yaml: head + "transport: udp\n", is: scenario.ErrUnknownTransport,
			want: `x.yaml:6: transport: unknown transport "udp" (want tcp, tls+tcp, ipc or inproc)`},
		{name: "target beyond workers", yaml: head + "faults:\n  - at: 1s\n    kind: kill\n    target: worker-9\n",
			want: "x.yaml:9: faults[0].target: no worker-9 (workers: 8)"},
		{name: "target beyond workers in a list", yaml: head + "faults:\n  - at: 1s\n    kind: kill\n    target:\n      - worker-1\n      - worker-9\n",
			want: "x.yaml:11: faults[0].target[1]: no worker-9 (workers: 8)"},
		{name: "target misspelt", yaml: head + "faults:\n  - {at: 1s, kind: kill, target: worker-03}\n",
			want: `x.yaml:7: faults[0].target: bad target "worker-03" (want worker-N with N from 1, all or controlplane)`},
		{name: "target twice", yaml: head + "faults:\n  - at: 1s\n    kind: kill\n    target: [worker-1,\n      worker-1]\n",
			want: "x.yaml:10: faults[0].target[1]: worker-1 is listed twice (first at line 9)"},
		{name: "rate and concurrency", yaml: "name: x\nduration: 1s\nworkloads:\n  - pattern: reqrep\n    rate: 10/s\n    concurrency: 4\n",
			want: "x.yaml:6: workloads[0].concurrency: rate is given too: choose open loop (rate) or closed loop (concurrency)"},
		{name: "neither rate nor concurrency", yaml: "name: x\nduration: 1s\nworkloads:\n  - pattern: reqrep\n    size: 1KiB\n",
			want: "x.yaml:4: workloads[0]: needs rate (open loop) or concurrency (closed loop)"},
		{name: "rate zero", yaml: "name: x\nduration: 1s\nworkloads:\n  - {pattern: reqrep, rate: 1/s}\n  - {pattern: pubsub, rate: 0/s}\n",
			want: "x.yaml:5: workloads[1].rate: must be > 0"},
		{name: "rate without unit", yaml: "name: x\nduration: 1s\nworkloads:\n  - {pattern: reqrep, rate: 100}\n",
			want: `x.yaml:4: workloads[0].rate: bad rate "100" (want N/s, N/ms or N/min)`},
		{name: "endpoint on pubsub", yaml: "name: x\nduration: 1s\nworkloads:\n  - pattern: pubsub\n    rate: 1/s\n    endpoint: /health\n",
			want: "x.yaml:6: workloads[0].endpoint: only for pattern reqrep, not pubsub"},
		{name: "endpoint without slash", yaml: "name: x\nduration: 1s\nworkloads:\n  - {pattern: reqrep, rate: 1/s, endpoint: health}\n",
			want: `x.yaml:4: workloads[0].endpoint: must start with /, got "health"`},
		{name: "task on reqrep", yaml: "name: x\nduration: 1s\nworkloads:\n  - {pattern: reqrep, rate: 1/s, task: echo}\n",
			want: "x.yaml:4: workloads[0].task: only for pattern pushpull, not reqrep"},
		{name: "bus in impl mode", yaml: "name: x\nduration: 1s\nworkloads:\n  - pattern: bus\n    mode: impl\n    rate: 1/s\n",
			want: "x.yaml:5: workloads[0].mode: pattern bus runs only in mode raw"},
		{name: "heartbeat in raw mode", yaml: "name: x\nduration: 1s\nworkloads:\n  - {pattern: heartbeat, mode: raw, rate: 1/s}\n",
			want: "x.yaml:4: workloads[0].mode: pattern heartbeat is impl/'s own protocol: it runs only in mode impl"},
		{name: "size range reversed", yaml: "name: x\nduration: 1s\nworkloads:\n  - {pattern: reqrep, rate: 1/s, size: 4KiB..64B}\n",
			want: `x.yaml:4: workloads[0].size: range "4KiB..64B" is reversed (low must be <= high)`},
		{name: "bad size unit", yaml: "name: x\nduration: 1s\nworkloads:\n  - {pattern: reqrep, rate: 1/s, size: 1KB}\n",
			want: `x.yaml:4: workloads[0].size: bad size "1KB": unit must be B, KiB or MiB`},
		{name: "size above 64MiB", yaml: "name: x\nduration: 1s\nworkloads:\n  - {pattern: reqrep, rate: 1/s, size: 65MiB}\n",
			want: "x.yaml:4: workloads[0].size: must be <= 64MiB"},
		{name: "duplicate workload names", yaml: "name: x\nduration: 1s\nworkloads:\n  - {name: a, pattern: reqrep, rate: 1/s}\n  - {name: a, pattern: pubsub, rate: 1/s}\n",
			want: `x.yaml:5: workloads[1].name: "a" is already the name of the workload at line 4`},
		{name: "fault at beyond duration", yaml: head + "faults:\n  - at: 10s\n    kind: kill\n    target: all\n",
			want: "x.yaml:7: faults[0].at: must be < duration (10s): the fault would start after the run"},
		{name: "fault heals after the run", yaml: head + "faults:\n  - at: 8s\n    for: 3s\n    kind: pause\n    target: all\n",
			want: "x.yaml:8: faults[0].for: ends after the run: at 8s + for 3s > duration 10s"},
		{name: "missing latency", yaml: head + "faults:\n  - at: 1s\n    kind: latency\n    target: all\n",
			want: "x.yaml:7: faults[0].latency: required for kind latency"},
		{name: "missing for on pause", yaml: head + "faults:\n  - {at: 1s, kind: pause, target: all}\n",
			want: "x.yaml:7: faults[0].for: required for kind pause"},
		{name: "jitter on bandwidth", yaml: head + "faults:\n  - at: 1s\n    kind: bandwidth\n    target: all\n    rate: 10KiB\n    jitter: 5ms\n",
			want: "x.yaml:11: faults[0].jitter: not allowed with kind bandwidth (only latency)"},
		{name: "link on kill", yaml: head + "faults:\n  - {at: 1s, kind: kill, target: all, link: tasks}\n",
			want: "x.yaml:7: faults[0].link: not allowed with kind kill (only toxics and partition)"},
		{name: "for on kill", yaml: head + "faults:\n  - {at: 1s, for: 1s, kind: kill, target: all}\n",
			want: "x.yaml:7: faults[0].for: not allowed with kind kill: it happens at once (restart_after starts the process again)"},
		{name: "latency below toxiproxy's unit", yaml: head + "faults:\n  - {at: 1s, kind: latency, latency: 500us, target: all}\n",
			want: "x.yaml:7: faults[0].latency: must be a whole number of milliseconds (toxiproxy's unit)"},
		{name: "bandwidth below 1 KB/s", yaml: head + "faults:\n  - {at: 1s, kind: bandwidth, rate: 100B, target: all}\n",
			want: "x.yaml:7: faults[0].rate: must be >= 1000B: toxiproxy counts KB/s, and less rounds to 0, which means no limit"},
		{name: "slices no bigger than their variation", yaml: head + "faults:\n  - {at: 1s, kind: slicer, average_size: 64B, size_variation: 64B, target: all}\n",
			want: "x.yaml:7: faults[0].size_variation: must be < average_size (64B): slices are average_size ± size_variation"},
		{name: "restart after the run", yaml: head + "faults:\n  - at: 9s\n    kind: kill\n    restart_after: 2s\n    target: all\n",
			want: "x.yaml:9: faults[0].restart_after: restarts after the run: at 9s + 2s > duration 10s"},
		{name: "all in a list", yaml: head + "faults:\n  - {at: 1s, kind: kill, target: [worker-1, all]}\n",
			want: "x.yaml:7: faults[0].target[1]: all stands alone, not in a list"},
		{name: "empty target list", yaml: head + "faults:\n  - {at: 1s, kind: kill, target: []}\n",
			want: "x.yaml:7: faults[0].target: empty list: name at least one target"},
		{name: "missing target", yaml: head + "faults:\n  - at: 1s\n    kind: kill\n",
			want: "x.yaml:7: faults[0].target: required"},
		{name: "heartbeat interval above the default timeout", yaml: head + "cluster:\n  heartbeat_interval: 45s\n",
			want: "x.yaml:7: cluster.heartbeat_interval: must be <= heartbeat_timeout (default 30s)"},
		{name: "toxicity above 1", yaml: head + "faults:\n  - {at: 1s, kind: reset_peer, toxicity: 1.5, target: all}\n",
			want: "x.yaml:7: faults[0].toxicity: must be in [0,1]"},
		{name: "inproc with kill", yaml: head + "transport: inproc\nfaults:\n  - at: 1s\n    kind: kill\n    target: worker-1\n",
			want: "x.yaml:9: faults[0].kind: kill acts on a process, and transport inproc runs the cluster in one process"},
		{name: "inproc with a toxic", yaml: head + "transport: inproc\nfaults:\n  - {at: 1s, kind: latency, latency: 5ms, target: all}\n",
			want: "x.yaml:8: faults[0].kind: latency acts on a proxied TCP link, and transport inproc has none"},
		{name: "ipc with a partition", yaml: head + "transport: ipc\nfaults:\n  - {at: 1s, for: 1s, kind: partition, target: worker-1}\n",
			want: "x.yaml:8: faults[0].kind: partition acts on a proxied TCP link, and transport ipc has none"},
		{name: "heartbeat timeout below the default interval", yaml: head + "cluster:\n  heartbeat_timeout: 5s\n",
			want: "x.yaml:7: cluster.heartbeat_timeout: must be >= heartbeat_interval (default 10s)"},
		{name: "missing name is reported at the parent", yaml: "# comment\nduration: 1s\nworkloads:\n  - {pattern: reqrep, rate: 1/s}\n",
			want: "x.yaml:2: name: required"},
		{name: "missing pattern", yaml: "name: x\nduration: 1s\nworkloads:\n  - rate: 1/s\n",
			want: "x.yaml:4: workloads[0].pattern: required"},
		{name: "bad name", yaml: "name: My_Run\nduration: 1s\nworkloads:\n  - {pattern: reqrep, rate: 1/s}\n",
			want: `x.yaml:1: name: bad name "My_Run": only a-z, 0-9 and '-'`},
		{name: "empty workloads", yaml: "name: x\nduration: 1s\nworkloads: []\n",
			want: "x.yaml:3: workloads: at least one workload is required"},
		{name: "workload not a mapping", yaml: "name: x\nduration: 1s\nworkloads:\n  - reqrep\n",
			want: `x.yaml:4: workloads[0]: expected a mapping, got "reqrep"`},
		{name: "empty gate", yaml: head + "gates: ['  ']\n",
			want: "x.yaml:6: gates[0]: empty gate"},
		{name: "YAML syntax error", yaml: "name: x\nduration: 1s\nworkloads: [\n  {pattern: reqrep\n",
			want: "x.yaml:3: invalid YAML: did not find expected ',' or '}'"},
		{name: "YAML syntax error on line 1", yaml: "name: x: y\n",
			want: "x.yaml:1: invalid YAML: mapping values are not allowed in this context"},
		{name: "a list at the top", yaml: "- name: x\n- duration: 1s\n",
			want: "x.yaml:1: expected a mapping, got a list"},
		{name: "empty file", yaml: "# nothing\n",
			want: "x.yaml:1: empty file: a scenario needs at least name, duration and workloads"},
		{name: "two documents", yaml: head + "---\nname: y\n",
			want: "x.yaml:6: a second YAML document: a scenario file holds one"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, err := scenario.Parse("x.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("parsed without error: %+v", s)
			}
			if err.Error() != c.want {
				t.Errorf("got  %s\nwant %s", err, c.want)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("errors.Is(err, %v) = false", c.is)
			}
			checkAllErrors(t, err)
		})
	}
}

// TestParseReportsAll pins that one run reports every problem, in file
// order: fixing one at a time would take a run per mistake.
func TestParseReportsAll(t *testing.T) {
	t.Parallel()
	_, err := scenario.Load("testdata/three.yaml")
	want := []string{
		"testdata/three.yaml:2: workers: must be between 1 and 1024",
		"testdata/three.yaml:7: workloads[0].endpoint: only for pattern reqrep, not pubsub",
		"testdata/three.yaml:9: faults[0].latency: required for kind latency",
	}
	if err == nil {
		t.Fatal("no error")
	}
	if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", err, strings.Join(want, "\n"))
	}
	checkAllErrors(t, err)
}

// TestErrorFormat pins Error's text when parts are missing.
func TestErrorFormat(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		e    scenario.Error
		want string
	}{
		{scenario.Error{File: "a.yaml", Line: 3, Field: "workers", Msg: "bad"}, "a.yaml:3: workers: bad"},
		{scenario.Error{File: "a.yaml", Line: 1, Msg: "empty"}, "a.yaml:1: empty"},
		{scenario.Error{File: "a.yaml", Msg: "lost"}, "a.yaml: lost"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

// checkAllErrors fails unless err joins only *scenario.Error values, each
// with a line: callers rely on errors.As to point at the file.
func checkAllErrors(t *testing.T, err error) {
	t.Helper()
	joined, ok := err.(interface{ Unwrap() []error })
	errs := []error{err}
	if ok {
		errs = joined.Unwrap()
	}
	for _, e := range errs {
		se, isErr := e.(*scenario.Error)
		if !isErr {
			t.Errorf("%T %q is not a *scenario.Error", e, e)
			continue
		}
		if se.Line < 1 || se.File == "" {
			t.Errorf("%q: line %d, file %q", se, se.Line, se.File)
		}
	}
}

// TestParseMergeBomb pins that merges of merges, which double at each
// level, stop with an error instead of using all memory.
func TestParseMergeBomb(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("name: x\nduration: 1s\nworkloads:\n  - &l0 {pattern: reqrep, rate: 1/s}\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "  - &l%d {<<: [*l%d, *l%d]}\n", i, i-1, i-1)
	}
	_, err := scenario.Parse("x.yaml", []byte(b.String()))
	if want := "x.yaml:18: workloads[14]: merges (<<) expand to more than 100000 keys"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want the merge limit", err)
	}
	checkAllErrors(t, err)
}

// TestParseMergeOfItself: a mapping that merges itself (found by
// FuzzParse: it expanded until the merge budget ran out, copying ever
// longer lists, and hung the fuzzer) is an error at once. (YAML has no
// forward references, so a mapping can only merge itself.)
func TestParseMergeOfItself(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, workloads string }{
		{"directly", "  - &b {<<: [*b, *b], pattern: reqrep, rate: 1/s}\n"},
		{"alone", "  - &b {<<: *b, pattern: reqrep, rate: 1/s}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenario.Parse("x.yaml", []byte("name: x\nduration: 1s\nworkloads:\n"+tc.workloads))
			if err == nil || !strings.Contains(err.Error(), "a merge (<<) includes the mapping it is in") {
				t.Fatalf("got %v, want the self-merge refused", err)
			}
			checkAllErrors(t, err)
		})
	}
}
