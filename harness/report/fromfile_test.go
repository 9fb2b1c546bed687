package report_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

func TestFromFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data, err := result.Encode(fixture())
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "result.json")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report")
	if err := report.FromFile(in, out); err != nil {
		t.Fatal(err)
	}
	// The report of the saved file is the report of the run itself.
	got, err := os.ReadFile(filepath.Join(out, report.MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	if want := report.Markdown(fixture()); string(got) != string(want) {
		t.Errorf("report from file differs from report of the Result:\n%s", got)
	}
	for _, f := range []string{report.PercentilesFile, report.LatencyFile, report.ThroughputFile} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestFromFileErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, content string
		kind          error
	}{
		{"malformed", `{"schema": "nngbench/result/v1",`, result.ErrMalformed},
		{"wrong-schema", `{"schema": "nngbench/result/v0", "scenario": "x"}`, result.ErrSchema},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			in := filepath.Join(dir, tc.name+".json")
			if err := os.WriteFile(in, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			err := report.FromFile(in, out)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("FromFile = %v, want %v", err, tc.kind)
			}
			if !strings.Contains(err.Error(), in) {
				t.Errorf("error %q does not name %s", err, in)
			}
			if _, statErr := os.Stat(out); !os.IsNotExist(statErr) {
				t.Errorf("output dir created for a bad file: %v", statErr)
			}
		})
	}
}

func TestFromFileMissing(t *testing.T) {
	t.Parallel()
	in := filepath.Join(t.TempDir(), "nope.json")
	err := report.FromFile(in, t.TempDir())
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), in) {
		t.Errorf("FromFile = %v, want not-exist naming %s", err, in)
	}
}
