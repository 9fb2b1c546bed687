package result_test

import (
	"bufio"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/result"
)

func TestWriteReadRoundTrip(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "run-1", "reqrep-stall") // Write creates it
	want := sample()
	c, u := stallHistograms()
	if err := result.Write(dir, want, map[string]result.HistogramPair{"reqrep": {Corrected: c, Uncorrected: u}}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := result.Read(filepath.Join(dir, result.FileName))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the result:\n got %+v\nwant %+v", got, want)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"reqrep.hgrm", "reqrep.uncorrected.hgrm", "result.json"}; !reflect.DeepEqual(names, want) {
		t.Errorf("files %q, want %q (no temporary files left)", names, want)
	}
}

func TestWriteIsStable(t *testing.T) {
	t.Parallel()
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if err := result.Write(dir, sample(), nil); err != nil {
			t.Fatal(err)
		}
	}
	da, _ := os.ReadFile(filepath.Join(a, result.FileName))
	db, _ := os.ReadFile(filepath.Join(b, result.FileName))
	if string(da) != string(db) || !strings.HasPrefix(string(da), "{\n  \"schema\": \"nngbench/result/v2\",\n  \"schema_version\": 2,\n  \"scenario\": ") {
		t.Errorf("result.json is not stable or not in field order:\n%.200s", da)
	}
	for _, key := range []string{`"latency": {`, `"p9999_us": `, `"latency_uncorrected": {`, `"generator_lag": {`,
		`"recv_bytes_per_s": `, `"planned_rate_per_s": `, `"t_s": `, `"p99_us": `, `"started_at": "2025-06-01T12:00:00.123456789Z"`} {
		if !strings.Contains(string(da), key) {
			t.Errorf("result.json lacks %s", key)
		}
	}
}

// TestHgrmFormat reads the .hgrm files back the way the HdrHistogram
// plotter does: '#' lines skipped, a header, then rows of value (ms),
// percentile, total count and 1/(1-percentile).
func TestHgrmFormat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, u := stallHistograms()
	pairs := map[string]result.HistogramPair{"reqrep": {Corrected: c, Uncorrected: u}}
	if err := result.Write(dir, sample(), pairs); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file             string
		wantCount        int64
		wantP50, wantMax float64 // ms
		wantP99          float64
	}{
		{"reqrep.hgrm", 10_000, 1, 1000.447, 900.095},
		{"reqrep.uncorrected.hgrm", 9001, 1, 1000.447, 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rows := readHgrm(t, filepath.Join(dir, tt.file))
			last := rows[len(rows)-1]
			if last.percentile != 1 || last.count != tt.wantCount || last.value != tt.wantMax {
				t.Errorf("last row %+v, want percentile 1, count %d, value %g ms", last, tt.wantCount, tt.wantMax)
			}
			if v := valueAt(rows, 0.5); v != tt.wantP50 {
				t.Errorf("p50 row %g ms, want %g", v, tt.wantP50)
			}
			// Rows come at the plotter's ticks, not at 0.99 exactly.
			if v := valueAt(rows, 0.99); math.Abs(v-tt.wantP99) > 0.01*tt.wantP99 {
				t.Errorf("p99 row %g ms, want %g ± 1%%", v, tt.wantP99)
			}
			for i := 1; i < len(rows); i++ {
				if p, r := rows[i-1], rows[i]; r.value < p.value || r.percentile < p.percentile || r.count < p.count {
					t.Errorf("row %d %+v goes down from %+v", i, r, p)
				}
			}
		})
	}
}

type hgrmRow struct {
	value, percentile float64
	count             int64
}

func readHgrm(t *testing.T, path string) []hgrmRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []hgrmRow
	header := false
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimSpace(s.Text())
		fields := strings.Fields(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			if n == 1 && !strings.Contains(line, "milliseconds") {
				t.Errorf("%s:1: %q does not name the unit", path, line)
			}
		case !header:
			if want := []string{"Value", "Percentile", "TotalCount", "1/(1-Percentile)"}; !reflect.DeepEqual(fields, want) {
				t.Fatalf("%s:%d: header %q, want %q", path, n, fields, want)
			}
			header = true
		default:
			if len(fields) != 4 {
				t.Fatalf("%s:%d: %d fields in %q", path, n, len(fields), line)
			}
			v, err1 := strconv.ParseFloat(fields[0], 64)
			p, err2 := strconv.ParseFloat(fields[1], 64)
			c, err3 := strconv.ParseInt(fields[2], 10, 64)
			if err := errors.Join(err1, err2, err3); err != nil {
				t.Fatalf("%s:%d: %v", path, n, err)
			}
			if _, err := strconv.ParseFloat(fields[3], 64); err != nil && fields[3] != "inf" {
				t.Fatalf("%s:%d: %v", path, n, err)
			}
			rows = append(rows, hgrmRow{v, p, c})
		}
	}
	if len(rows) < 10 {
		t.Fatalf("%s: %d rows", path, len(rows))
	}
	return rows
}

// valueAt is the value of the first row at or above percentile p.
func valueAt(rows []hgrmRow, p float64) float64 {
	for _, r := range rows {
		if r.percentile >= p {
			return r.value
		}
	}
	return -1
}

func TestWriteRefuses(t *testing.T) {
	t.Parallel()
	c, u := stallHistograms()
	tests := []struct {
		name    string
		r       func() *result.Result
		hists   map[string]result.HistogramPair
		wantErr string
		wantIs  error
	}{
		{"nil result", func() *result.Result { return nil }, nil, "nil result", nil},
		{"histograms of no workload", sample, map[string]result.HistogramPair{"pubsub": {Corrected: c, Uncorrected: u}},
			`histograms for "pubsub", which is not a workload`, nil},
		{"workload name escapes the folder", func() *result.Result {
			r := sample()
			r.Workloads[0].Name = "../reqrep"
			return r
		}, nil, `workloads[0].name: "../reqrep" must be letters`, result.ErrInvalid},
		{"other schema", func() *result.Result {
			r := sample()
			r.Schema = "nngbench/result/v0"
			return r
		}, nil, `schema: must be nngbench/result/v2, got "nngbench/result/v0"`, result.ErrInvalid},
		{"not encodable", func() *result.Result {
			r := sample()
			r.Workloads[0].SendRate = zero() / zero()
			return r
		}, nil, "unsupported value: NaN", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "out")
			err := result.Write(dir, tt.r(), tt.hists)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Write = %v, want an error with %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Write = %v, want errors.Is %v", err, tt.wantIs)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused Write left %s behind (%v)", dir, err)
			}
		})
	}
}

func zero() float64 { return 0 }

func TestWriteFillsSchema(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := sample()
	r.Schema = ""
	if err := result.Write(dir, r, nil); err != nil {
		t.Fatal(err)
	}
	if r.Schema != "" {
		t.Error("Write changed the caller's result")
	}
	got, err := result.Read(filepath.Join(dir, result.FileName))
	if err != nil || got.Schema != result.Schema {
		t.Errorf("Read = %v, %v; want schema %s", got, err, result.Schema)
	}
}

func TestWriteUnit(t *testing.T) {
	t.Parallel()
	h, _ := stallHistograms()
	// The same latencies counted in nanoseconds must print the same
	// milliseconds.
	ns := result.HistogramPair{Unit: time.Nanosecond}
	ns.Corrected = h
	dir := t.TempDir()
	if err := result.Write(dir, sample(), map[string]result.HistogramPair{"reqrep": ns}); err != nil {
		t.Fatal(err)
	}
	rows := readHgrm(t, filepath.Join(dir, "reqrep.hgrm"))
	if max := rows[len(rows)-1].value; max != 1.000 { // 1,000,447 ns
		t.Errorf("max %g ms, want 1.000", max)
	}
	if _, err := os.Stat(filepath.Join(dir, "reqrep.uncorrected.hgrm")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a nil histogram was written: %v", err)
	}
}
