package result

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
)

// FileName is the name Write gives the result and ReadDir looks for.
const FileName = "result.json"

// Read reads and checks one result.json. Every error names the file; a
// malformed one also the line, a foreign one its schema and the one this
// build reads. Test the kind with errors.Is: ErrMalformed, ErrSchema or
// ErrInvalid.
func Read(path string) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("result: %w", err)
	}
	return Decode(path, data)
}

// Decode is Read for data already in memory; name stands for the file in
// messages. A SchemaV1 file is checked against the v1 layout and upgraded.
// Memory is linear in len(data): the check walks the tokens keeping only
// the path it is on, and the records decode straight into the Result.
func Decode(name string, data []byte) (*Result, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &fileError{file: name, msg: "file is empty", kind: ErrMalformed}
	}
	// The schema first, since a file of another version may well have
	// fields this one does not: "wrong schema" is the useful message then.
	schema, err := probeSchema(data)
	if err != nil {
		return nil, jsonError(name, data, err)
	}
	if schema == nil || *schema != Schema && *schema != SchemaV1 {
		return nil, schemaError(name, schema)
	}
	if *schema == SchemaV1 {
		v1 := new(v1Result)
		if err := decodeChecked(name, data, v1); err != nil {
			return nil, err
		}
		r := v1.upgrade()
		if probs := r.problems(); len(probs) > 0 {
			return nil, &invalidError{file: name, problems: probs}
		}
		return r, nil
	}
	r := new(Result)
	if err := decodeChecked(name, data, r); err != nil {
		return nil, err
	}
	if probs := r.problems(); len(probs) > 0 {
		return nil, &invalidError{file: name, problems: probs}
	}
	return r, nil
}

// probeSchema reads the top-level "schema". nngbench writes it first, and
// then only that key is read; otherwise encoding/json reads the whole file
// for it, checking on the way that data is valid JSON.
func probeSchema(data []byte) (*string, error) {
	if schema, ok := firstKeySchema(data); ok {
		return &schema, nil
	}
	var probe struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, err
	}
	return probe.Schema, nil
}

// firstKeySchema is the string value of data's first key when that key is
// "schema"; the rest of data is not looked at.
func firstKeySchema(data []byte) (string, bool) {
	w := shapeWalk{data: data}
	if kind, _, _, err := w.next(); err != nil || kind != '{' {
		return "", false
	}
	kind, _, key, err := w.next()
	if err != nil || kind != tokString || string(key) != `"schema"` {
		return "", false
	}
	if kind, _, _, err := w.next(); err != nil || kind != ':' {
		return "", false
	}
	kind, _, raw, err := w.next()
	if err != nil || kind != tokString {
		return "", false
	}
	var schema string
	if json.Unmarshal(raw, &schema) != nil {
		return "", false
	}
	return schema, true
}

// decodeChecked checks data's shape against v's type, then decodes it.
// data may not be valid JSON: a syntax error, found by encoding/json,
// comes before any shape problem, which may be a mere consequence of it.
func decodeChecked(name string, data []byte, v any) error {
	if probs := checkShape(data, reflect.TypeOf(v).Elem()); len(probs) > 0 {
		if !json.Valid(data) {
			var probe struct{}
			return jsonError(name, data, json.Unmarshal(data, &probe))
		}
		errs := make([]error, len(probs))
		for i, p := range probs {
			errs[i] = malformedAt(name, data, p.off, true, nil, "%s: %s", p.path, p.msg)
		}
		return errors.Join(errs...)
	}
	// What is left for encoding/json to find: numbers out of range, times
	// that do not parse. Unknown fields are checkShape's (exact case).
	if err := json.Unmarshal(data, v); err != nil {
		return jsonError(name, data, err)
	}
	return nil
}

// jsonError turns an encoding/json error into one that says where.
func jsonError(name string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	// encoding/json's offsets count the bytes read up to and including
	// the offending one: the byte before is where the problem is. For a
	// wrong type that is the end of the value, so only its line is exact.
	switch {
	case errors.As(err, &syn):
		return malformedAt(name, data, syn.Offset-1, true, err, "invalid JSON: %s", syn)
	case errors.As(err, &typ) && typ.Field == "":
		return malformedAt(name, data, typ.Offset-1, false, err, "the file holds a JSON %s, not an object", typ.Value)
	case errors.As(err, &typ):
		return malformedAt(name, data, typ.Offset-1, false, err, "%s: got a JSON %s, want %s", typ.Field, typ.Value, typ.Type)
	}
	return malformedAt(name, data, -1, false, err, "%s", strings.TrimPrefix(err.Error(), "json: "))
}

// Entry is one result.json found by ReadDir.
type Entry struct {
	Path   string
	Result *Result
}

// ReadDir reads every result.json under dir, at any depth, in lexical path
// order: dir/<scenario>/result.json for one run, dir/run-N/<scenario>/...
// for repeated ones. It returns the files it could read together with one
// error joining every file it could not; ErrNoResults if there were none.
func ReadDir(dir string) ([]Entry, error) { return readDir(dir, false) }

// ReadDirSummaries is ReadDir for readers that need only each workload's
// totals (gates): every workload's Intervals is dropped as its file is
// read, so that memory is that of the largest file plus the summaries,
// not of every time series at once.
func ReadDirSummaries(dir string) ([]Entry, error) { return readDir(dir, true) }

func readDir(dir string, summaries bool) ([]Entry, error) {
	var found []Entry
	var errs []error
	walkErr := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, fmt.Errorf("result: %w", err))
			return nil // report it and read what can be read
		}
		if d.IsDir() || d.Name() != FileName {
			return nil
		}
		r, err := Read(path)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if summaries {
			for i := range r.Workloads {
				r.Workloads[i].Intervals = nil
			}
		}
		found = append(found, Entry{Path: path, Result: r})
		return nil
	})
	if walkErr != nil {
		errs = append(errs, walkErr)
	}
	if len(found) == 0 && len(errs) == 0 {
		return nil, fmt.Errorf("%w under %s", ErrNoResults, dir)
	}
	return found, errors.Join(errs...)
}
