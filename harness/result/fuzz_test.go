package result_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/harness/result"
)

// FuzzRead checks that Decode never panics, that every error names the file
// and has a kind, and that whatever decodes is written back the way Write
// writes it and reads back equal.
func FuzzRead(f *testing.F) {
	full, err := json.MarshalIndent(sample(), "", "  ")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		minimal,
		string(full),
		strings.Replace(minimal, "2025-06-01T12:00:00Z", "2025-06-01T12:00:00+23:59", 1),
		strings.Replace(minimal, `"mode": "tcp",`, `"mode": "tcp", "Mode": "x", "mode": "y",`, 1),
		strings.Replace(minimal, `"faults": [],`, `"faults": [{"name": "f", "kind": "k", "params": {"a": [1, {"b": null}]}, "at_s": 1, "for_s": 0}],`, 1),
		`{"schema": "nngbench/result/v0"}`,
		`{"schema": "nngbench/result/v1"}`,
		`{"schema": null}`,
		`[]`, `null`, `"x"`, ``, `{`, `{"schema": "nngbench/result/v1",}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := result.Decode("fuzz.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json") {
				t.Errorf("error does not name the file: %v", err)
			}
			if !errors.Is(err, result.ErrMalformed) && !errors.Is(err, result.ErrSchema) && !errors.Is(err, result.ErrInvalid) {
				t.Errorf("error of no kind: %v", err)
			}
			return
		}
		enc, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			t.Fatalf("decoded but does not encode: %v\n%+v", err, r)
		}
		again, err := result.Decode("again.json", enc)
		if err != nil {
			t.Fatalf("re-encoded result does not decode: %v\n%s", err, enc)
		}
		// Encoding, not DeepEqual, compares the first decode: an empty list
		// where omitempty leaves the key out reads back as nil, which means
		// the same. From then on the form is fixed and DeepEqual holds.
		enc2, _ := json.MarshalIndent(again, "", "  ")
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("decode changed the result:\n%s\nthen\n%s", enc, enc2)
		}
		third, err := result.Decode("third.json", enc2)
		if err != nil || !reflect.DeepEqual(again, third) {
			t.Fatalf("not a fixed point (%v):\n%+v\n%+v", err, again, third)
		}
	})
}
