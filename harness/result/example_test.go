package result_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/nngbench/nngbench/harness/result"
)

func ExamplePercentilesOf() {
	h := hdrhistogram.New(1, 60_000_000, 3) // microseconds, 1 µs to 60 s
	for v := int64(1); v <= 100; v++ {
		_ = h.RecordValue(v * 10) // 10, 20, ..., 1000 µs
	}
	p := result.PercentilesOf(h, time.Microsecond)
	fmt.Printf("p50 %g µs, p99 %g µs, max %g µs, mean %g µs, count %d\n", p.P50, p.P99, p.Max, p.Mean, p.Count)
	// Output:
	// p50 500 µs, p99 990 µs, max 1000 µs, mean 505 µs, count 100
}

// A file of another schema is refused with a message that says which
// schema it has and which this build reads.
func ExampleDecode() {
	_, err := result.Decode("runs/old/result.json", []byte(`{"schema": "nngbench/result/v0", "scenario": "x"}`))
	fmt.Println(err)
	fmt.Println(errors.Is(err, result.ErrSchema))
	// Output:
	// runs/old/result.json has schema nngbench/result/v0; this nngbench reads nngbench/result/v2 (and nngbench/result/v1)
	// true
}

func ExampleWrite() {
	dir, err := os.MkdirTemp("", "nngbench-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	corrected := hdrhistogram.New(1, 60_000_000, 3)
	_ = corrected.RecordValue(1500) // 1.5 ms
	r := &result.Result{
		Scenario:  "reqrep-smoke",
		Transport: "inproc",
		StartedAt: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC),
		DurationS: 1,
		Workloads: []result.Workload{{Name: "reqrep", Model: result.ModelOpen, Sent: 1, Received: 1,
			Latency: result.PercentilesOf(corrected, time.Microsecond), Valid: true}},
		Valid: true,
	}
	run := filepath.Join(dir, "run-1", r.Scenario)
	if err := result.Write(run, r, map[string]result.HistogramPair{"reqrep": {Corrected: corrected}}); err != nil {
		fmt.Println(err)
		return
	}
	found, err := result.ReadDir(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range found {
		rel, _ := filepath.Rel(dir, e.Path)
		fmt.Println(filepath.ToSlash(rel), e.Result.Schema, e.Result.Workloads[0].Latency.P99, "µs")
	}
	files, _ := os.ReadDir(run)
	for _, f := range files {
		fmt.Println(f.Name())
	}
	// Output:
	// run-1/reqrep-smoke/result.json nngbench/result/v2 1500 µs
	// reqrep.hgrm
	// result.json
}
