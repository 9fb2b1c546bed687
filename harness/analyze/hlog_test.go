package analyze_test

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/analyze"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/internal/hdrjs"
)

// TestCommittedHistoryLogs writes the committed fault run's interval logs
// from its history and reads them with hdr-histogram-js: each workload's
// untagged series has result.json's intervals, with the count each
// received, and its count and percentiles within the series' precision (two
// significant digits: 1%, or 1 µs); each worker has a tagged series, and
// the tags add up to the untagged count.
func TestCommittedHistoryLogs(t *testing.T) {
	dir := filepath.Join("..", "..", "reports", "latest", "faults-combined")
	h, err := history.ReadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := result.Read(filepath.Join(dir, result.FileName))
	if err != nil {
		t.Fatal(err)
	}
	d := analyze.Derive(h)
	if len(d.Logs) != len(want.Workloads) {
		t.Fatalf("%d logs for %d workloads", len(d.Logs), len(want.Workloads))
	}
	out := t.TempDir()
	for i, l := range d.Logs {
		w, hw := want.Workloads[i], h.Meta.Workloads[i]
		t.Run(w.Name, func(t *testing.T) {
			if err := record.WriteLogFile(out, l); err != nil {
				t.Fatal(err)
			}
			got := hdrjs.Decode(t, filepath.Join(out, w.Name+record.LogExt))
			all := got[""]
			t.Logf("decoded: %v", all)
			hdrjs.Compare(t, w.Name, all, w.Latency)
			if len(all.Intervals) != len(w.Intervals) {
				t.Fatalf("%d intervals, result.json has %d", len(all.Intervals), len(w.Intervals))
			}
			for j, iv := range all.Intervals {
				if r := w.Intervals[j]; !hdrjs.Within(iv.StartS, r.TS, 0, 1e-3) || iv.Count != r.Received {
					t.Errorf("interval %d: at %gs with %d values; result.json: at %gs, %d received", j, iv.StartS, iv.Count, r.TS, r.Received)
				}
			}
			var tags []string
			var sum int64
			for tag, s := range got {
				if tag != "" {
					tags = append(tags, tag)
					sum += s.Count
				}
			}
			slices.Sort(tags)
			if peers := slices.Sorted(slices.Values(hw.Peers)); w.Mode == "impl" && !slices.Equal(tags, peers) {
				t.Errorf("tags %v, want the workers %v", tags, peers)
			}
			if sum != all.Count {
				t.Errorf("the tags hold %d values, the untagged series %d", sum, all.Count)
			}
		})
	}
}

// TestIntervalFromHistory: the history's interval is the result's: the
// committed run (a 10 s run, so 100 ms intervals) has ten points, spaced
// 0.1 s, for each of the same history analyzed at 1 s, counting the same
// receipts.
func TestIntervalFromHistory(t *testing.T) {
	h, err := history.ReadFile(filepath.Join("..", "..", "reports", "latest", "faults-combined"))
	if err != nil {
		t.Fatal(err)
	}
	if h.Meta.Interval != 100*time.Millisecond {
		t.Fatalf("committed history's interval %v, want 100ms (a run under a minute)", h.Meta.Interval)
	}
	fine, _ := analyze.Result(h)
	h.Meta.Interval = time.Second
	coarse, _ := analyze.Result(h)
	for i, w := range fine.Workloads {
		c := coarse.Workloads[i]
		var nc, nf int64
		for _, iv := range c.Intervals {
			nc += iv.Received
		}
		for _, iv := range w.Intervals {
			nf += iv.Received
		}
		if len(w.Intervals) < 10*(len(c.Intervals)-1) || w.Intervals[1].TS != 0.1 || nf != nc {
			t.Errorf("%s: %d intervals at 100 ms (second at %gs, %d received) against %d at 1 s (%d received)",
				w.Name, len(w.Intervals), w.Intervals[1].TS, nf, len(c.Intervals), nc)
		}
	}
}
