package scenario_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nngbench/nngbench/harness/scenario"
)

// FuzzParse pins three promises for any input: Parse never panics; what it
// refuses, it refuses with *Error values that carry a line; and what it
// accepts, its canonical YAML gives back unchanged.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		head,
		head + "faults:\n  - {at: 1s, kind: latency, latency: 5ms, target: [worker-1, controlplane]}\n",
		"name: m\nduration: 5s\nworkloads:\n  - &b {pattern: reqrep, rate: 5/s}\n  - {<<: [*b, *b], size: 1B..64MiB}\n",
		"name: x\nduration: 1s\nworkloads:\n  - {pattern: pushpull, rate: 1e3/min, task: sleep}\n",
		head + "sweep: {rate: auto, slo: [\"p99 < 5ms\"], start: 10/s, max_steps: 4}\n",
		"- a\n", "a: [", "", "---\n...\n", "name: x: y",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scenario.Parse("fuzz.yaml", data)
		if err != nil {
			checkAllErrors(t, err)
			return
		}
		checkRoundTrip(t, s)
	})
}
