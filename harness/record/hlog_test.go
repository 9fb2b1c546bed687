package record_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/internal/hdrjs"
)

// TestLogDecodedByHdrHistogramJS writes the blocked-sender run's interval
// log, its messages shared between two tagged receivers, and reads it back
// with hdr-histogram-js: every interval of the summary's series is there
// with the count it received, and the merged intervals give the summary's
// count and percentiles within the series' precision (two significant
// digits: 1%), untagged and summed over the tags alike.
func TestLogDecodedByHdrHistogramJS(t *testing.T) {
	t.Parallel()
	opts := record.Options{Start: t0, Interval: 100 * ms}
	total := record.New(opts)
	peers := map[string]*record.Recorder{"worker-1": record.New(opts), "worker-2": record.New(opts)}
	blockedSender(total)
	for k := range 10_000 { // the same feed, shared by parity
		r := peers["worker-1"]
		if k%2 == 1 {
			r = peers["worker-2"]
		}
		due := at(time.Duration(k) * ms)
		sent, reply := due, due.Add(ms)
		switch {
		case k == 5000:
			reply = at(6 * time.Second)
		case k > 5000 && k < 6000:
			sent, reply = at(6*time.Second), at(6*time.Second+ms)
		}
		r.Sent(due, sent, 64)
		r.Received(due, sent, reply, 64)
	}
	end := at(10 * time.Second)
	dir := t.TempDir()
	if err := record.WriteLogFile(dir, record.Log{Name: "reqrep", End: end, Total: total, Tagged: peers}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "reqrep"+record.LogExt)
	got := hdrjs.Decode(t, path)

	var w result.Workload // what result.json says
	total.Snapshot(end).Fill(&w)
	if len(got) != 3 {
		t.Fatalf("tags %v, want untagged, worker-1 and worker-2", keys(got))
	}
	untagged := got[""]
	hdrjs.Compare(t, "untagged", untagged, w.Latency)
	if len(untagged.Intervals) != len(w.Intervals) {
		t.Fatalf("%d intervals, result has %d", len(untagged.Intervals), len(w.Intervals))
	}
	for i, iv := range untagged.Intervals {
		want := w.Intervals[i]
		if !hdrjs.Within(iv.StartS, want.TS, 0, 1e-6) || !hdrjs.Within(iv.LengthS, 0.1, 0, 1e-6) || iv.Count != want.Received {
			t.Errorf("interval %d: start %gs, %gs long, count %d; result: start %gs, 0.1s, received %d",
				i, iv.StartS, iv.LengthS, iv.Count, want.TS, want.Received)
		}
		if want.Received > 0 && !hdrjs.Within(iv.Max/1000, want.MaxUS, 0.01, 1) {
			t.Errorf("interval %d: max %g ns, result %g µs", i, iv.Max, want.MaxUS)
		}
	}
	var sum int64
	for name, r := range peers {
		var pw result.Workload
		r.Snapshot(end).Fill(&pw)
		hdrjs.Compare(t, name, got[name], pw.Latency)
		sum += got[name].Count
	}
	if sum != untagged.Count {
		t.Errorf("the tags hold %d values, untagged %d", sum, untagged.Count)
	}

	// The header HistogramLogAnalyzer needs, and what the file says it holds.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#[Histogram log format version 1.3]", "#[StartTime: ", "nanoseconds", "Tag=worker-1,"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("log lacks %q:\n%.400s", want, data)
		}
	}
}

func keys[V any](m map[string]V) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return strings.Join(ks, ",")
}

// TestLogRefusesBadTag: a tag with a space would split the line.
func TestLogRefusesBadTag(t *testing.T) {
	t.Parallel()
	r := record.New(record.Options{Start: t0})
	r.Received(t0, t0, t0.Add(ms), 1)
	var b bytes.Buffer
	_, err := record.Log{Name: "x", End: at(time.Second), Total: r, Tagged: map[string]*record.Recorder{"a b": r}}.WriteTo(&b)
	if err == nil || !strings.Contains(err.Error(), `"a b"`) {
		t.Errorf("WriteTo = %v, want an error naming the tag", err)
	}
}
