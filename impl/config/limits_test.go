package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/impl/config"
)

// deep is a document whose messaging holds n nested lists (or objects), the
// shape that made the old walk build a path and an error per level: 200,000
// levels (400 KB) took the control plane to 24 GB.
func deep(n int, open, close string) string {
	return `{"node_id": "w", "messaging": ` + strings.Repeat(open, n) + strings.Repeat(close, n) + "}"
}

// TestLimits pins each bound and strictness rule with the file:line: field
// it names, and that the value at the limit is still accepted.
func TestLimits(t *testing.T) {
	long := strings.Repeat("x", 4097)
	cases := []struct {
		name, doc string
		want      []string // each a line of the error, in order; none: accepted
	}{
		{"repeated key at the top", "{\n  \"node_id\": \"a\",\n  \"node_id\": \"b\"\n}",
			[]string{"cfg.json:3: node_id: repeated key (first at line 2)"}},
		{"repeated key inside", "{\"node_id\": \"w\", \"messaging\": {\n  \"tls\": {},\n  \"tls\": {\"cert_file\": \"x\"}\n}}",
			[]string{"cfg.json:3: messaging.tls: repeated key (first at line 2)"}},
		{"repeated key in a map", "{\"node_id\": \"w\", \"messaging\": {\"weights\": {\"a\": 1,\n \"a\": 2}}}",
			[]string{"cfg.json:2: messaging.weights.a: repeated key (first at line 1)"}},
		{"repeated key in any", "{\"node_id\": \"w\", \"messaging\": {\"extra\": {\"x\": {\"k\": 1, \"k\": 1}}}}",
			[]string{"cfg.json:1: messaging.extra.x.k: repeated key (first at line 1)"}},
		{"string over the limit", "{\"node_id\": \"w\",\n\"messaging\": {\"tls\": {\"cert_file\": \"" + long + "\"}}}",
			[]string{"cfg.json:2: messaging.tls.cert_file: 4097 bytes long: the limit is 4096"}},
		{"string at the limit", `{"node_id": "w", "messaging": {"tls": {"cert_file": "` + long[1:] + `"}}}`, nil},
		{"key over the limit", "{\"node_id\": \"w\",\n\"" + long + "\": 1}",
			[]string{"cfg.json:2: \"" + long[:64] + "...\": 4097 bytes long: the limit is 4096"}},
		{"number over the limit", "{\"node_id\": \"w\",\n\"messaging\": {\"max_message_size_mb\": " + strings.Repeat("9", 5000) + "}}",
			[]string{"cfg.json:2: messaging.max_message_size_mb: 5000 bytes long: the limit is 4096"}},
		{"node_id with a space", "{\n\"node_id\": \"worker 1\"}",
			[]string{`cfg.json:2: node_id: bad name "worker 1": only A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit`}},
		{"keys that are not names, quoted", `{"node_id": "w", "": 1, "a.b": 2}`,
			[]string{`cfg.json:1: "": unknown field`, `cfg.json:1: "a.b": unknown field`}},
		{"node_id starting with a dot", `{"node_id": ".w"}`, []string{`cfg.json:1: node_id: bad name ".w"`}},
		{"node_id with a newline", `{"node_id": "w\n1"}`, []string{`cfg.json:1: node_id: bad name "w\n1"`}},
		{"node_id too long", `{"node_id": "` + strings.Repeat("w", 129) + `"}`,
			[]string{"cfg.json:1: node_id: a name is at most 128 bytes, got 129"}},
		{"node_id of 4 KiB", `{"node_id": "` + long + `"}`, []string{"cfg.json:1: node_id: 4097 bytes long: the limit is 4096"}},
		{"node_id at the limit", `{"node_id": "` + strings.Repeat("w", 127) + `-"}`, nil},
		{"node_id of every kind of character", `{"node_id": "Worker_1.eu-west-2"}`, nil},
		// The file: 400 KB, 200,000 deep. messaging is no list, and
		// what the walk skips is bounded too.
		{"nested lists too deep", deep(200_000, "[", "]"), []string{
			"cfg.json:1: messaging: expected an object, got a list",
			"cfg.json:1: messaging" + strings.Repeat("[0]", 31) + ": nested more than 32 deep: a config is a few levels"}},
		// Under extra, an any, so that the walk goes in rather than stop
		// at an unknown field.
		{"nested objects too deep", `{"node_id": "w", "messaging": {"extra": ` + strings.Repeat(`{"a":`, 150_000) + strings.Repeat("}", 150_000) + "}}",
			[]string{"cfg.json:1: messaging.extra" + strings.Repeat(".a", 30) + ": nested more than 32 deep"}},
		{"nested at the limit", `{"node_id": "w", "messaging": {"extra": {"a": ` + strings.Repeat("[", 29) + strings.Repeat("]", 29) + "}}}", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := config.Decode("cfg.json", []byte(tc.doc), defaults())
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(tc.want) {
				t.Fatalf("%d errors, want %d:\n%s", len(got), len(tc.want), trim(err.Error()))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("error %d:\n got %s\nwant %s...", i, trim(got[i]), w)
				}
			}
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Errorf("not a *config.Error: %T", err)
			}
		})
	}
}

// trim shortens what a failing case prints.
func trim(s string) string {
	if len(s) > 400 {
		return s[:400] + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return s
}

// TestTooManyProblems pins that the list stops at MaxErrors, saying so.
func TestTooManyProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"node_id": "w"`)
	for i := range 500 {
		fmt.Fprintf(&b, ",\n\"unknown%d\": 1", i)
	}
	b.WriteString("}")
	err := config.Limits{MaxErrors: 10}.Decode("cfg.json", []byte(b.String()), defaults())
	if err == nil {
		t.Fatal("accepted")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 11 || lines[0] != "cfg.json:2: unknown0: unknown field" ||
		lines[10] != "cfg.json:12: more than 10 problems: the rest is not checked" {
		t.Fatalf("got %d lines:\n%s", len(lines), err)
	}
}

// TestLoadRefusesLargeFile pins the cap on the file: refused before it is
// read (the file is sparse, its size alone says it is too large), naming
// the file.
func TestLoadRefusesLargeFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int64
		lim  config.Limits
		want string
	}{
		{"default limit", 1<<20 + 1, config.Limits{}, "file larger than 1048576 bytes"},
		{"lower limit", 101, config.Limits{MaxFileBytes: 100}, "file larger than 100 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "big.json")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Truncate(tc.size); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			err = tc.lim.Load(path, defaults())
			if err == nil || err.Error() != path+": "+tc.want+": a config is a few KiB" {
				t.Fatalf("got %v", err)
			}
		})
	}
	err := config.Limits{MaxFileBytes: 10}.Decode("d.json", []byte(`{"node_id": "worker"}`), defaults())
	if err == nil || !strings.HasPrefix(err.Error(), "d.json: file larger than 10 bytes") {
		t.Fatalf("Decode: got %v", err)
	}
}

// TestLimitsRefuseNegative pins that a negative limit is an error, not "no
// limit".
func TestLimitsRefuseNegative(t *testing.T) {
	if err := (config.Limits{MaxDepth: -1}).Decode("c.json", []byte(`{}`), defaults()); err == nil {
		t.Fatal("accepted MaxDepth -1")
	}
}

func TestValidName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"worker-1", true}, {"controlplane", true}, {"W.1_a-b", true}, {"1", true},
		{"-w", false}, {"_w", false}, {"w/1", false}, {"w:1", false}, {"wörker", false}, {"w\x00", false},
		{strings.Repeat("a", config.MaxNameBytes), true}, {strings.Repeat("a", config.MaxNameBytes+1), false},
	} {
		if err := config.ValidName(tc.name); (err == nil) != tc.ok {
			t.Errorf("ValidName(%.20q) = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

// TestDecodeLinear compares the allocations of decoding a file of N and 8N
// members side by side, wide and nested to the limit: linear is 8x.
func TestDecodeLinear(t *testing.T) {
	doc := func(n int) []byte {
		var b strings.Builder
		b.WriteString(`{"node_id": "w", "messaging": {"peers": [`)
		for i := range n {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(`"peer"`)
		}
		b.WriteString(`], "extra": {`)
		for i := range n {
			if i > 0 {
				b.WriteString(",\n")
			}
			fmt.Fprintf(&b, `"k%d": %s1%s`, i, strings.Repeat("[", 25), strings.Repeat("]", 25))
		}
		b.WriteString("}}}")
		return []byte(b.String())
	}
	const n = 300
	small, large := doc(n), doc(8*n)
	decode := func(data []byte) func() {
		return func() {
			if err := config.Decode("c.json", data, defaults()); err != nil {
				t.Fatal(err)
			}
		}
	}
	a, b := allocatedBy(decode(small)), allocatedBy(decode(large))
	t.Logf("%d bytes: %d KiB allocated; %d bytes: %d KiB: %.1fx", len(small), a>>10, len(large), b>>10, float64(b)/float64(a))
	if float64(b)/float64(a) >= 16 {
		t.Fatalf("8x the members cost %.1fx the allocations: want < 16x", float64(b)/float64(a))
	}
}

func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
