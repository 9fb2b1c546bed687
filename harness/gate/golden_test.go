package gate_test

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/nngbench/nngbench/harness/gate"
)

var update = flag.Bool("update", false, "rewrite testdata/report.golden.*")

// goldenReport is a gate with a bit of everything: a regression, a
// difference of definition, a note, a workload only in the candidate and a
// scenario missing from it.
func goldenReport(t *testing.T) *gate.Report {
	t.Helper()
	b, c := newNoise(11, 0), newNoise(12, 2000)
	base := [][]gate.Run{b.runs(5, "smoke", "reqrep", "pubsub"), b.runs(5, "gone", "reqrep")}
	cand := c.runs(5, "smoke", "reqrep", "pubsub", "extra")
	for _, r := range cand {
		r.Result.Workers = 3
		r.Result.Workloads[1].Latency.P50 -= 2000 // only reqrep is slower
		r.Result.Workloads[1].Latency.P99 -= 2000
		r.Result.Workloads[1].Latency.P999 -= 2000
	}
	cand[4].Result.Workloads[1].Valid, cand[4].Result.Workloads[1].Invalid = false, "generator fell behind"
	rep, err := gate.Compare(inMemory("baseline", base...), inMemory("candidate", cand), gate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestGolden pins both renderings byte for byte; -update rewrites them.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		file  string
		write func(*gate.Report, *bytes.Buffer) error
	}{
		{"testdata/report.golden.md", func(r *gate.Report, b *bytes.Buffer) error { return r.WriteMarkdown(b) }},
		{"testdata/report.golden.txt", func(r *gate.Report, b *bytes.Buffer) error { return r.WriteText(b) }},
	} {
		var got [2]bytes.Buffer
		for i := range got {
			if err := tt.write(goldenReport(t), &got[i]); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got[0].Bytes(), got[1].Bytes()) {
			t.Fatalf("two renders differ:\n%s\n----\n%s", got[0].String(), got[1].String())
		}
		if *update {
			if err := os.WriteFile(tt.file, got[0].Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[0].Bytes(), want) {
			t.Errorf("%s differs (go test -update to rewrite):\n%s", tt.file, got[0].String())
		}
	}
}
