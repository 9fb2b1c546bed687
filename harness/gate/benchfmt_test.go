package gate_test

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/nngbench/nngbench/harness/gate"
	"github.com/nngbench/nngbench/harness/result"
)

// TestWriteBenchFormat reads the output back with x/perf's own parser, the
// one benchstat uses.
func TestWriteBenchFormat(t *testing.T) {
	t.Parallel()
	n := newNoise(5, 0)
	runs := n.runs(3, "smoke", "reqrep", "pushpull-2")
	runs[1].Result.Machine.Commit = "abc123"
	runs[2].Result.Workloads[1].Latency = result.Percentiles{} // no samples: no latency values
	bad := n.runs(1, "smoke", "reqrep")[0]
	bad.Result.Valid, bad.Result.Invalid = false, []string{"fault not applied"}
	badWl := n.runs(1, "smoke", "reqrep")[0]
	badWl.Result.Workloads[0].Valid, badWl.Result.Workloads[0].Invalid = false, "generator fell behind"
	runs = append(runs, bad, badWl)

	var out bytes.Buffer
	skipped, err := gate.WriteBenchFormat(&out, runs)
	if err != nil {
		t.Fatal(err)
	}
	wantSkipped := []string{
		"smoke/run-01/result.json: run marked invalid (fault not applied)",
		"smoke/run-01/result.json: workload reqrep marked invalid (generator fell behind)",
	}
	if strings.Join(skipped, "\n") != strings.Join(wantSkipped, "\n") {
		t.Errorf("skipped %q, want %q", skipped, wantSkipped)
	}

	rd := benchfmt.NewReader(bytes.NewReader(out.Bytes()), "out.txt")
	var results []*benchfmt.Result
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Errorf("benchfmt: %v", rec)
		case *benchfmt.Result:
			results = append(results, rec.Clone())
		}
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	if a := rd.Units().Get("p99-ns", "assume"); a == nil || a.Value != "nothing" {
		t.Errorf("p99-ns assume = %v, want nothing", a)
	}
	if u := rd.Units(); u.GetBetter("p99-ns") != -1 || u.GetBetter("recv-msgs/s") != 1 || u.GetBetter("recv-B/s") != 1 {
		t.Errorf("better: p99 %d, recv-msgs/s %d, recv-B/s %d; want -1, 1, 1",
			u.GetBetter("p99-ns"), u.GetBetter("recv-msgs/s"), u.GetBetter("recv-B/s"))
	}

	// 3 valid runs of 2 workloads; nothing of the two invalid ones.
	if len(results) != 6 {
		t.Fatalf("%d results, want 6:\n%s", len(results), out.String())
	}
	for i, res := range results {
		wl := runs[i/2].Result.Workloads[i%2]
		base, parts := res.Name.Parts()
		if got := string(base) + string(bytes.Join(parts, nil)); got != "Smoke/"+wl.Name+"-2" {
			t.Errorf("result %d: name %q, want Smoke/%s-2", i, got, wl.Name)
		}
		if procs := string(parts[len(parts)-1]); procs != "-2" {
			t.Errorf("result %d: GOMAXPROCS part %q, want -2 (the workload's own -2 must stay in its name)", i, procs)
		}
		if res.Iters != int(wl.Received) {
			t.Errorf("result %d: iterations %d, want %d", i, res.Iters, wl.Received)
		}
		if v, ok := res.Value("recv-msgs/s"); !ok || v != wl.RecvRate {
			t.Errorf("result %d: recv-msgs/s %g %v, want %g", i, v, ok, wl.RecvRate)
		}
		p99, ok := res.Value("p99-sec") // tidied from ns
		switch {
		case wl.Latency.Count == 0 && ok:
			t.Errorf("result %d: a latency without samples", i)
		case wl.Latency.Count > 0 && (!ok || abs(p99-wl.Latency.P99*1e-6) > 1e-15):
			t.Errorf("result %d: p99 %g s, want %g", i, p99, wl.Latency.P99*1e-6)
		}
		if commit := res.GetConfig("commit"); (i/2 == 1) != (commit == "abc123") {
			t.Errorf("result %d: commit %q", i, commit)
		}
		if res.GetConfig("transport") != "tcp" || res.GetConfig("cpu") != "test cpu" {
			t.Errorf("result %d: config transport %q cpu %q", i, res.GetConfig("transport"), res.GetConfig("cpu"))
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
