package result_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/nngbench/nngbench/harness/result"
)

const schemaFile = "schema/result.v2.json"

// compileSchema compiles the committed JSON Schema, with formats
// (date-time) asserted rather than only annotated.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	id, _ := doc.(map[string]any)["$id"].(string)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	return s
}

func validateJSON(s *jsonschema.Schema, data []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return s.Validate(inst)
}

// Every result.json committed to the repository (the latest reports, the
// baselines, the test data) fits the schema: a v2 file as it is, a v1 file
// once Read has upgraded it and Encode written it as Write would. Each
// file is also read by Read, so schema and reader agree.
func TestCommittedResultsFitSchema(t *testing.T) {
	t.Parallel()
	s := compileSchema(t)
	root := filepath.Join("..", "..")
	roots := []string{"reports/latest", "reports/baseline", "scripts/benchreport/testdata", "harness/result/testdata"}
	for _, sub := range roots {
		n := 0
		err := filepath.WalkDir(filepath.Join(root, sub), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Name() != result.FileName {
				return err
			}
			n++
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			var probe struct{ Schema string }
			if err := json.Unmarshal(data, &probe); err != nil {
				t.Errorf("%s: %v", path, err)
				return nil
			}
			r, err := result.Read(path)
			if err != nil {
				t.Errorf("Read: %v", err)
				return nil
			}
			if probe.Schema == result.SchemaV1 {
				if data, err = result.Encode(r); err != nil {
					t.Errorf("%s: %v", path, err)
					return nil
				}
			}
			if err := validateJSON(s, data); err != nil {
				t.Errorf("%s (schema %s): %v", path, probe.Schema, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("no %s under %s: the test checks nothing there", result.FileName, sub)
		}
	}
}

// What Write writes fits the schema, every field set or none, and the
// schema refuses what v2 forbids.
func TestSchemaAgreesWithWrite(t *testing.T) {
	t.Parallel()
	s := compileSchema(t)
	full, err := result.Encode(sample())
	if err != nil {
		t.Fatal(err)
	}
	bare := &result.Result{Scenario: "s", Valid: true, Workloads: []result.Workload{{Name: "w", Model: result.ModelOpen, Valid: true}},
		Checks: []result.Check{{Name: "c", OK: true}}, Faults: []result.Fault{{Name: "f", Kind: "kill"}}}
	empty, err := result.Encode(bare)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"sample": full, "bare": empty, "minimal": []byte(minimal)} {
		if err := validateJSON(s, data); err != nil {
			t.Errorf("%s: %v\n%s", name, err, data)
		}
	}
	edit := func(old, new string) []byte {
		t.Helper()
		if !strings.Contains(minimal, old) {
			t.Fatalf("minimal lacks %q", old)
		}
		return []byte(strings.Replace(minimal, old, new, 1))
	}
	refused := []struct {
		name string
		data []byte
	}{
		{"v1 file", []byte(minimalV1)},
		{"no invalid", edit(`"valid": true, "invalid": []`, `"valid": true`)},
		{"valid with reasons", edit(`"valid": true, "invalid": []`, `"valid": true, "invalid": ["x"]`)},
		{"a time among the counts", edit(`"checks": [],`, `"checks": [{"name": "c", "ok": true, "counts": {"wait_ms": 3}}],`)},
		{"gate without unit", edit(`"gates": [],`, `"gates": [{"expr": "w.p99 < 1ms", "value": 1, "ok": true}],`)},
		{"unit-less latency", edit(`"p50_us": 1,`, `"p50": 1,`)},
		{"bad time", edit(`2025-06-01T12:00:00Z`, `yesterday`)},
	}
	for _, tc := range refused {
		if err := validateJSON(s, tc.data); err == nil {
			t.Errorf("%s: the schema accepts it", tc.name)
		}
	}
}
