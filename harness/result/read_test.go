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

// minimal is the smallest valid result, one key per line (nearly) so that
// the tests can name lines.
const minimal = `{
  "schema": "nngbench/result/v2", "schema_version": 2,
  "scenario": "s",
  "workers": 1,
  "transport": "tcp",
  "seed": 1,
  "started_at": "2025-06-01T12:00:00Z",
  "duration_s": 10,
  "warmup_s": 1,
  "machine": {"cpu": "", "cores": 2, "go_version": "", "os": "", "arch": "", "commit": "", "hostname": ""},
  "workloads": [
    {
      "name": "w",
      "pattern": "reqrep",
      "mode": "tcp",
      "model": "open",
      "planned_rate_per_s": 1000,
      "concurrency": 1,
      "sent": 10,
      "received": 10,
      "errors": 0, "timeouts": 0, "lost": 0, "duplicated": 0, "reordered": 0,
      "send_rate_per_s": 1, "recv_rate_per_s": 1, "recv_bytes_per_s": 1,
      "latency": {"p50_us": 1, "p90_us": 1, "p99_us": 1, "p999_us": 1, "p9999_us": 1, "max_us": 1, "mean_us": 1, "count": 10},
      "latency_uncorrected": {"p50_us": 1, "p90_us": 1, "p99_us": 1, "p999_us": 1, "p9999_us": 1, "max_us": 1, "mean_us": 1, "count": 10},
      "generator_lag": {"p50_us": 0, "p90_us": 0, "p99_us": 0, "p999_us": 0, "p9999_us": 0, "max_us": 0, "mean_us": 0, "count": 10},
      "intervals": [],
      "valid": true, "invalid": ""
    }
  ],
  "faults": [],
  "checks": [],
  "recovery": [],
  "gates": [],
  "valid": true, "invalid": []
}
`

// minimalV1 is minimal as nngbench wrote it in schema v1.
const minimalV1 = `{
  "schema": "nngbench/result/v1",
  "scenario": "s",
  "workers": 1,
  "transport": "tcp",
  "seed": 1,
  "started_at": "2025-06-01T12:00:00Z",
  "duration_s": 10,
  "warmup_s": 1,
  "machine": {"cpu": "", "cores": 2, "go_version": "", "os": "", "arch": "", "commit": "", "hostname": ""},
  "workloads": [
    {
      "name": "w",
      "pattern": "reqrep",
      "mode": "tcp",
      "model": "open",
      "planned_rate": 1000,
      "concurrency": 1,
      "sent": 10,
      "received": 10,
      "errors": 0, "timeouts": 0, "lost": 0, "duplicated": 0, "reordered": 0,
      "send_rate": 1, "recv_rate": 1, "bytes_per_s": 1,
      "latency_us": {"p50": 1, "p90": 1, "p99": 1, "p999": 1, "p9999": 1, "max": 1, "mean": 1, "count": 10},
      "latency_uncorrected_us": {"p50": 1, "p90": 1, "p99": 1, "p999": 1, "p9999": 1, "max": 1, "mean": 1, "count": 10},
      "generator_lag_us": {"p50": 0, "p90": 0, "p99": 0, "p999": 0, "p9999": 0, "max": 0, "mean": 0, "count": 10},
      "intervals": [],
      "valid": true
    }
  ],
  "faults": [],
  "checks": [],
  "recovery": [],
  "gates": [],
  "valid": true
}
`

func TestReadMinimal(t *testing.T) {
	t.Parallel()
	r, err := result.Decode("result.json", []byte(minimal))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if r.Workloads[0].Latency.Count != 10 || r.Workloads[0].Model != result.ModelOpen {
		t.Errorf("decoded %+v", r.Workloads[0])
	}
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	const file = "runs/run-2/reqrep/result.json"
	edit := func(old, new string) string {
		if !strings.Contains(minimal, old) {
			t.Fatalf("the test edits %q, which minimal lacks", old)
		}
		return strings.Replace(minimal, old, new, 1)
	}
	tests := []struct {
		name   string
		data   string
		want   string // the whole message, or a part of it
		wantIs error
	}{
		{"missing comma", edit(`"workers": 1,`, `"workers": 1`),
			file + ":5:3: invalid JSON: invalid character '\"' after object key:value pair", result.ErrMalformed},
		{"truncated", minimal[:200], file + ":9:13: invalid JSON: unexpected end of JSON input", result.ErrMalformed},
		{"empty", " \n", file + ": file is empty", result.ErrMalformed},
		{"not an object", `[1, 2]`, file + ":1: the file holds a JSON array, not an object", result.ErrMalformed},
		{"trailing data", minimal + "{}", "invalid JSON: invalid character '{' after top-level value", result.ErrMalformed},
		{"unknown field", edit(`"sent": 10,`, `"sent": 10, "sent_ok": 10,`),
			file + ":19:19: workloads[0].sent_ok: unknown field", result.ErrMalformed},
		{"unknown field, wrong case", edit(`"p999_us": 1, "p9999_us": 1, "max_us": 1`, `"p999_us": 1, "P9999_us": 1, "max_us": 1`),
			file + `:23:72: workloads[0].latency.P9999_us: unknown field (did you mean "p9999_us"?)`, result.ErrMalformed},
		{"unknown top-level field", edit(`"seed": 1,`, `"seed": 1, "seeds": [1, 2],`),
			file + ":6:14: seeds: unknown field", result.ErrMalformed},
		{"duplicate key", edit(`"mode": "tcp",`, `"mode": "tcp", "mode": "ipc",`),
			file + ":15:22: workloads[0].mode: appears twice", result.ErrMalformed},
		{"wrong type", edit(`"received": 10,`, `"received": "ten",`),
			file + `:20:19: workloads[0].received: got the string "ten", want a whole number`, result.ErrMalformed},
		{"fraction in a count", edit(`"lost": 0,`, `"lost": 0.5,`),
			file + ":21:43: workloads[0].lost: got the number 0.5, want a whole number", result.ErrMalformed},
		{"object for a list", edit(`"intervals": [],`, `"intervals": {"t_s": 1},`),
			file + ":26:20: workloads[0].intervals: got an object, want a list", result.ErrMalformed},
		{"every shape problem at once", edit(`"seed": 1,`, `"seed": "one", "Seed": 1,`),
			file + `:6:11: seed: got the string "one", want a whole number` + "\n" +
				file + `:6:18: Seed: unknown field (did you mean "seed"?)`, result.ErrMalformed},
		{"number out of range", edit(`"duration_s": 10,`, `"duration_s": 1e999,`),
			file + ":8: duration_s: got a JSON number 1e999, want float64", result.ErrMalformed},
		{"bad time", edit(`2025-06-01T12:00:00Z`, `2025-13-01T12:00:00Z`), "month out of range", result.ErrMalformed},
		{"other schema", edit(result.Schema, "nngbench/result/v0"),
			file + " has schema nngbench/result/v0; this nngbench reads nngbench/result/v2 (and nngbench/result/v1)", result.ErrSchema},
		{"other schema with other fields", `{"schema": "nngbench/result/v3", "runs": []}`,
			file + " has schema nngbench/result/v3; this nngbench reads nngbench/result/v2 (and nngbench/result/v1)", result.ErrSchema},
		{"empty schema", edit(`"schema": "nngbench/result/v2"`, `"schema": ""`),
			file + ` has schema ""; this nngbench reads nngbench/result/v2 (and nngbench/result/v1)`, result.ErrSchema},
		{"no schema", edit(`"schema": "nngbench/result/v2",`, ``),
			file + " has no schema field; this nngbench reads nngbench/result/v2 (and nngbench/result/v1)", result.ErrSchema},
		{"schema not a string", edit(`"nngbench/result/v2"`, `1`),
			file + ":2: schema: got a JSON number, want string", result.ErrMalformed},
		{"no schema_version", edit(`, "schema_version": 2`, ``),
			file + ": schema_version: must be 2, got 0", result.ErrInvalid},
		{"bad model", edit(`"model": "open"`, `"model": "opened"`),
			file + `: workloads[0].model: must be "open" or "closed", got "opened"`, result.ErrInvalid},
		{"every problem at once", edit(`"scenario": "s",
  "workers": 1,`, `"scenario": "", "workers": -1,`),
			file + ": scenario: must not be empty\n" + file + ": workers: must not be negative, got -1", result.ErrInvalid},
		{"invalid without a reason", edit(`"valid": true, "invalid": []
}`, `"valid": false, "invalid": []
}`), file + ": valid: invalid without a reason", result.ErrInvalid},
		{"time that cannot be written back", edit(`2025-06-01T12:00:00Z`, `2025-06-01T12:00:00+24:00`),
			file + ": started_at: ", result.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := result.Decode(file, []byte(tt.data))
			if err == nil {
				t.Fatalf("Decode succeeded: %+v", r)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n%v\nwant it to contain\n%s", err, tt.want)
			}
			if !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, result.FileName)
	if _, err := result.Read(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Read of a missing file = %v, want ErrNotExist", err)
	}
	if err := os.WriteFile(path, []byte(minimal[:30]), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := result.Read(path); err == nil || !strings.HasPrefix(err.Error(), path+":2:") {
		t.Errorf("Read = %v, want an error at %s:2", err, path)
	}
}

func TestReadDir(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	put := func(rel, data string) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	good, err := json.Marshal(sample())
	if err != nil {
		t.Fatal(err)
	}
	put("reqrep/result.json", string(good))
	put("run-1/reqrep/result.json", string(good))
	put("run-2/reqrep/result.json", string(good))
	put("run-2/reqrep/reqrep.hgrm", "not a result")
	put("run-3/reqrep/result.json", `{"schema": "nngbench/result/v0"}`)
	put("run-3/reqrep/.result.json.tmp123", "half a fi")

	found, err := result.ReadDir(root)
	var paths []string
	for _, e := range found {
		rel, _ := filepath.Rel(root, e.Path)
		paths = append(paths, filepath.ToSlash(rel))
		if e.Result.Scenario != "reqrep-stall" {
			t.Errorf("%s: scenario %q", rel, e.Result.Scenario)
		}
	}
	if want := "reqrep/result.json run-1/reqrep/result.json run-2/reqrep/result.json"; strings.Join(paths, " ") != want {
		t.Errorf("found %q, want %s", paths, want)
	}
	if !errors.Is(err, result.ErrSchema) || !strings.Contains(err.Error(), "run-3") {
		t.Errorf("ReadDir error %v, want the schema error of run-3", err)
	}

	t.Run("nothing there", func(t *testing.T) {
		if _, err := result.ReadDir(t.TempDir()); !errors.Is(err, result.ErrNoResults) {
			t.Errorf("ReadDir = %v, want ErrNoResults", err)
		}
		if _, err := result.ReadDir(filepath.Join(root, "missing")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("ReadDir = %v, want ErrNotExist", err)
		}
	})
}
