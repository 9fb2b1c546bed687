// Package hdrjs decodes .hlog files in tests with a second implementation
// of HdrHistogram, hdr-histogram-js (npm), through scripts/hlog/decode.js,
// so that the Go writer is checked by a reader that does not share its code.
package hdrjs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/result"
)

// Interval is one interval line of a log as hdr-histogram-js read it.
type Interval struct {
	StartS  float64 `json:"start_s"`
	LengthS float64 `json:"length_s"`
	Count   int64   `json:"count"`
	Max     float64 `json:"max"`
}

// Series is one tag's intervals ("" untagged) and their merged histogram,
// in the log's unit (nngbench: nanoseconds).
type Series struct {
	Count       int64 `json:"count"`
	Percentiles struct {
		P50   float64 `json:"p50"`
		P90   float64 `json:"p90"`
		P99   float64 `json:"p99"`
		P999  float64 `json:"p99_9"`
		P9999 float64 `json:"p99_99"`
		Max   float64 `json:"max"`
	} `json:"percentiles"`
	// Values is every step of the merged distribution: a value (the
	// highest of its bucket) and how many were recorded there, ascending.
	Values    [][2]int64 `json:"values"`
	Intervals []Interval `json:"intervals"`
}

// AtQuantile is the value at percentile q of the decoded distribution, at
// the rank hdrhistogram-go (and so result.json) takes, q/100 x count
// rounded half up: hdr-histogram-js's own percentiles round the rank up,
// which in a sparse tail can be the next value, a real difference of
// convention and not of precision.
func (s Series) AtQuantile(q float64) int64 {
	if s.Count == 0 {
		return 0
	}
	rank := min(max(int64(q/100*float64(s.Count)+0.5), 1), s.Count)
	var seen int64
	for _, v := range s.Values {
		if seen += v[1]; seen >= rank {
			return v[0]
		}
	}
	return 0
}

// Decode reads the .hlog at path with hdr-histogram-js and returns its
// series by tag. It installs the package into a cache folder first if it
// is missing (scripts/hlog/install.sh). Without node the test skips,
// saying so, except under CI, whose .ci/run installs it: there it fails.
func Decode(t *testing.T, path string) map[string]Series {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node not installed; .ci/run should have installed nodejs and npm")
		}
		t.Skip("node not installed: the .hlog files are decoded with hdr-histogram-js (apt-get install nodejs npm)")
	}
	root := moduleRoot(t)
	modules := run(t, 5*time.Minute, "bash", filepath.Join(root, "scripts", "hlog", "install.sh"))
	out := run(t, time.Minute, node, filepath.Join(root, "scripts", "hlog", "decode.js"), strings.TrimSpace(modules), path)
	var got map[string]Series
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("decode.js %s: %v\n%s", path, err, out)
	}
	return got
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("hdrjs: go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(gomod)))
}

// run runs a command bounded in time and returns its standard output.
func run(t *testing.T, timeout time.Duration, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("hdrjs: %s: %v\n%s", strings.Join(append([]string{name}, args...), " "), err, stderr.String())
	}
	return stdout.String()
}

// Within says whether got is within rel (a fraction) of want, or within
// abs of it, whichever is wider: a value read back at a histogram's
// precision.
func Within(got, want, rel, abs float64) bool {
	d := got - want
	if d < 0 {
		d = -d
	}
	return d <= max(rel*want, abs)
}

// String is s in a line, for failure messages.
func (s Series) String() string {
	p := s.Percentiles
	return fmt.Sprintf("count %d, p50 %g, p90 %g, p99 %g, p99.9 %g, p99.99 %g, max %g, %d intervals",
		s.Count, p.P50, p.P90, p.P99, p.P999, p.P9999, p.Max, len(s.Intervals))
}

// Compare checks a decoded series (nanoseconds) against result.json's
// percentiles (microseconds): the count exactly; p50 to p99.99 at
// result.json's rank (AtQuantile) and the maximum within 1% or 1 µs, the
// precision of the logs' two significant digits; and hdr-histogram-js's
// own percentiles at or above those, as its rank is never lower.
func Compare(t *testing.T, name string, s Series, p result.Percentiles) {
	t.Helper()
	if s.Count != p.Count || s.Count == 0 {
		t.Errorf("%s: %d values decoded, result.json has %d", name, s.Count, p.Count)
	}
	d := s.Percentiles
	for _, c := range []struct {
		q        string
		at       float64 // percentile
		js, want float64
	}{
		{"p50", 50, d.P50, p.P50}, {"p90", 90, d.P90, p.P90}, {"p99", 99, d.P99, p.P99},
		{"p99.9", 99.9, d.P999, p.P999}, {"p99.99", 99.99, d.P9999, p.P9999},
	} {
		got := float64(s.AtQuantile(c.at))
		if !Within(got/1000, c.want, 0.01, 1) {
			t.Errorf("%s: %s decoded %g µs, result.json %g µs", name, c.q, got/1000, c.want)
		}
		if c.js < got {
			t.Errorf("%s: hdr-histogram-js's %s %g ns is below the value at result.json's rank, %g ns", name, c.q, c.js, got)
		}
	}
	if !Within(d.Max/1000, p.Max, 0.01, 1) {
		t.Errorf("%s: max decoded %g µs, result.json %g µs", name, d.Max/1000, p.Max)
	}
}
