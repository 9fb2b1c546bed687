package result_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/harness/result"
)

// A v1 file reads as the v2 record: every figure in its new field, the
// check's wait moved out of its counts, a gate's value given v1's unit.
func TestReadV1(t *testing.T) {
	t.Parallel()
	data := strings.Replace(minimalV1, `"checks": [],`,
		`"checks": [{"name": "config", "ok": true, "counts": {"behind": 0, "wait_ms": 1500}}],`, 1)
	data = strings.Replace(data, `"gates": [],`, `"gates": [
    {"expr": "w.p99 < 50ms", "value": 1, "ok": true, "detail": "w.p99 = 1µs, < 50ms"},
    {"expr": "w.recv_rate >= 0.9 * w.send_rate", "value": 1, "ok": true, "detail": "w.recv_rate = 1/s, >= 0.9 * w.send_rate = 1/s"},
    {"expr": "w.lost == 0", "value": 0, "ok": true, "detail": "w.lost = 0, == 0"},
    {"expr": "w.p99 <", "value": 0, "ok": false, "detail": "col 8: want a metric"}],`, 1)
	r, err := result.Decode("old.json", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	w := r.Workloads[0]
	if r.Schema != result.Schema || r.SchemaVersion != result.SchemaVersion {
		t.Errorf("schema %q %d, want the current one", r.Schema, r.SchemaVersion)
	}
	if w.PlannedRate != 1000 || w.BytesPerS != 1 || w.Latency.P99 != 1 || w.Latency.Count != 10 || w.Lag.Count != 10 {
		t.Errorf("workload %+v: a figure was lost", w)
	}
	c := r.Checks[0]
	if _, ok := c.Counts["wait_ms"]; ok || c.WaitS == nil || *c.WaitS != 1.5 || len(c.Counts) != 1 {
		t.Errorf("check %+v: want wait_s 1.5 and counts {behind}", c)
	}
	for i, want := range []string{"us", "/s", "count", ""} {
		if r.Gates[i].Unit != want {
			t.Errorf("gate %q: unit %q, want %q", r.Gates[i].Expr, r.Gates[i].Unit, want)
		}
	}
}

// The committed v1 file (a real fault run's, from before v2) reads, and
// every workload's figures come through unchanged.
func TestReadCommittedV1(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "v1", result.FileName)
	r, err := result.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v1 struct {
		Schema    string
		Workloads []struct {
			Name      string  `json:"name"`
			Received  int64   `json:"received"`
			BytesPerS float64 `json:"bytes_per_s"`
			Latency   struct {
				P99 float64 `json:"p99"`
			} `json:"latency_us"`
			Intervals []json.RawMessage `json:"intervals"`
		} `json:"workloads"`
		Checks []struct {
			Counts map[string]int64 `json:"counts"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(raw, &v1); err != nil {
		t.Fatal(err)
	}
	if v1.Schema != result.SchemaV1 || len(v1.Workloads) == 0 || len(v1.Workloads) != len(r.Workloads) {
		t.Fatalf("%s: schema %q, %d workloads (read %d): not the v1 file the test wants", path, v1.Schema, len(v1.Workloads), len(r.Workloads))
	}
	for i, w := range v1.Workloads {
		got := r.Workloads[i]
		if got.Name != w.Name || got.Received != w.Received || got.BytesPerS != w.BytesPerS ||
			got.Latency.P99 != w.Latency.P99 || len(got.Intervals) != len(w.Intervals) {
			t.Errorf("workload %s read as %s: received %d/%d, bytes %g/%g, p99 %g/%g, %d/%d intervals", w.Name, got.Name,
				got.Received, w.Received, got.BytesPerS, w.BytesPerS, got.Latency.P99, w.Latency.P99, len(got.Intervals), len(w.Intervals))
		}
	}
	waits := 0
	for i, c := range v1.Checks {
		if ms, ok := c.Counts["wait_ms"]; ok {
			waits++
			if got := r.Checks[i].WaitS; got == nil || *got != float64(ms)/1000 {
				t.Errorf("check %d: wait_s %v, want %gs", i, got, float64(ms)/1000)
			}
		}
	}
	if waits == 0 {
		t.Errorf("%s has no wait_ms to upgrade", path)
	}
}

// A file nested 200,000 deep (issue 12's hostile config, as a result) is
// refused as malformed at once, in bounded stack and memory.
func TestReadDeeplyNested(t *testing.T) {
	t.Parallel()
	for _, open := range []string{"[", `{"a":`} {
		data := `{"schema": "nngbench/result/v2", "scenario": ` + strings.Repeat(open, 200_000)
		_, err := result.Decode("deep.json", []byte(data))
		if !errors.Is(err, result.ErrMalformed) || !strings.HasPrefix(err.Error(), "deep.json:") {
			t.Errorf("nested %q: %v, want a malformed-file error naming the file", open, err)
		}
	}
}
