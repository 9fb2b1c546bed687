package scenario_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/nngbench/nngbench/harness/scenario"
)

// unnamed is a scenario of n workloads that Parse must name itself, all of
// one pattern: the case where naming each after the ones before was
// quadratic (20,000 took 13 s, 50 MB never finished). Every eighth is
// pushpull, so that the per-pattern numbering is exercised too, and two
// names are given that the generated ones must skip.
func unnamed(n int) []byte {
	var b strings.Builder
	b.Grow(n * 36)
	b.WriteString("name: big\nduration: 1s\nworkloads:\n  - {name: reqrep-3, pattern: reqrep, rate: 1/s}\n  - {name: pushpull, pattern: reqrep, rate: 1/s}\n")
	for i := range n {
		if i%8 == 7 {
			b.WriteString("  - pattern: pushpull\n    rate: 10/s\n")
		} else {
			b.WriteString("  - pattern: reqrep\n    rate: 10/s\n")
		}
	}
	return []byte(b.String())
}

// unnamedOfSize is unnamed with as many workloads as fit in size bytes.
func unnamedOfSize(size int) []byte {
	per := len(unnamed(800)) / 800
	return unnamed(size / per)
}

// checkNames checks that every workload got its own name, and the numbering
// the generated names follow: reqrep, reqrep-2, reqrep-4 (reqrep-3 is
// taken), ...; pushpull-2, pushpull-3, ... (pushpull is taken).
func checkNames(t *testing.T, s *scenario.Scenario) {
	t.Helper()
	seen := make(map[string]bool, len(s.Workloads))
	next := map[scenario.Pattern]int{scenario.PatternReqRep: 1, scenario.PatternPushPull: 2}
	for i, w := range s.Workloads {
		if seen[w.Name] {
			t.Fatalf("workloads[%d]: name %q twice", i, w.Name)
		}
		seen[w.Name] = true
		if i < 2 {
			continue
		}
		n := next[w.Pattern]
		if w.Pattern == scenario.PatternReqRep && n == 3 {
			n = 4
		}
		want := string(w.Pattern)
		if n > 1 {
			want += "-" + strconv.Itoa(n)
		}
		if w.Name != want {
			t.Fatalf("workloads[%d]: name %q, want %q", i, w.Name, want)
		}
		next[w.Pattern] = n + 1
	}
}

// allocated is the bytes f allocates, a measure of work that the load of
// the machine does not change.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestParseLinearInWorkloads compares the work of parsing N and 8N unnamed
// workloads side by side: linear is 8x, the quadratic naming was 64x. The
// measure is bytes allocated, which the machine's load leaves alone.
func TestParseLinearInWorkloads(t *testing.T) {
	const n = 2000
	small, large := unnamed(n), unnamed(8*n)
	parse := func(data []byte) func() {
		return func() {
			s, err := scenario.Parse("big.yaml", data)
			if err != nil {
				t.Fatal(err)
			}
			checkNames(t, s)
		}
	}
	parse(small)() // warm up: the first parse builds yaml.v3's tables
	a, b := allocated(parse(small)), allocated(parse(large))
	ratio := float64(b) / float64(a)
	t.Logf("allocated: %d workloads %d KiB, %d workloads %d KiB: %.1fx", n, a>>10, 8*n, b>>10, ratio)
	if ratio >= 16 {
		t.Fatalf("8x the workloads cost %.1fx the allocations: want < 16x (linear is 8x, quadratic 64x)", ratio)
	}
}

// TestParseTimeLinearInWorkloads is TestParseLinearInWorkloads for work
// that allocates nothing (a scan of the workloads for each workload would
// pass that one): the CPU time of N and 4N unnamed workloads, parsed in
// turn, best of three each. Linear is 4x, quadratic 16x; a loaded machine
// slows both alike, and the bound leaves room for the noise of the
// garbage collector between them.
func TestParseTimeLinearInWorkloads(t *testing.T) {
	const n = 8000
	small, large := unnamed(n), unnamed(4*n)
	best := [2]time.Duration{time.Hour, time.Hour}
	for range 3 {
		for i, data := range [][]byte{small, large} {
			runtime.GC()
			cpu0 := cpuTime()
			if _, err := scenario.Parse("big.yaml", data); err != nil {
				t.Fatal(err)
			}
			best[i] = min(best[i], cpuTime()-cpu0)
		}
	}
	ratio := best[1].Seconds() / max(best[0].Seconds(), 1e-6)
	t.Logf("CPU: %d workloads %v, %d workloads %v: %.1fx", n, best[0], 4*n, best[1], ratio)
	if ratio >= 8 {
		t.Fatalf("4x the workloads took %.1fx the CPU time: want < 8x (linear is 4x, quadratic 16x)", ratio)
	}
}

// TestLoadLargeScenario loads a file of unnamed workloads (50 MB, or 2 MB
// under the race detector, whose memory and time it would multiply) through
// Load, as nngbench validate does: 50 MB never finished before. Beside it,
// yaml.v3 alone reads the same file into its node tree, the floor under
// Parse; Load must cost less than 3x that floor in CPU time, which a
// loaded machine slows alike (on a shared machine the wall time also
// counts the waits for a core: 4x the CPU time at a load of 20 on 2
// cores). The target is 5 s for the 50 MB; the figures are logged.
func TestLoadLargeScenario(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	data := unnamedOfSize(largeScenarioBytes)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	want := bytes.Count(data, []byte("pattern:"))

	// In a function of its own, so that the tree and the file's bytes are
	// garbage before the next measure.
	floor := func(data []byte) time.Duration {
		runtime.GC()
		cpu0 := cpuTime()
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		return cpuTime() - cpu0
	}(data)
	data = nil //nolint:ineffassign,wastedassign // drops the last reference before the measure

	runtime.GC()
	cpu0, start := cpuTime(), time.Now()
	s, err := scenario.Load(path)
	wall, cpu := time.Since(start), cpuTime()-cpu0
	if err != nil {
		t.Fatal(err)
	}
	ratio := cpu.Seconds() / floor.Seconds()
	t.Logf("%d MB, %d workloads: Load %.2f s wall, %.2f s CPU; yaml.v3 alone %.2f s CPU; %.1fx",
		largeScenarioBytes/1_000_000, len(s.Workloads), wall.Seconds(), cpu.Seconds(), floor.Seconds(), ratio)
	if len(s.Workloads) != want {
		t.Fatalf("%d workloads, want %d", len(s.Workloads), want)
	}
	checkNames(t, s)
	if ratio >= 3 {
		t.Fatalf("Load took %.1fx the CPU time of yaml.v3 alone on the same file: want < 3x", ratio)
	}
}

// cpuTime is the CPU time this process has used, every thread's (the
// garbage collector's included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestLoadRefusesHugeFile pins the cap on what Load reads: the error names
// the file, and the file is not read whole.
func TestLoadRefusesHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(scenario.MaxFileBytes + 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = scenario.Load(path)
	want := fmt.Sprintf("%s: file larger than %d MiB", path, scenario.MaxFileBytes>>20)
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want %q...", err, want)
	}
}

// BenchmarkParseUnnamed parses N and 8N unnamed workloads side by side;
// ns/op (and B/op) of the second over the first is the growth: 8x is
// linear. Beside each, yaml.v3 alone reading the same file into its node
// tree: the floor that Parse's own work adds to.
func BenchmarkParseUnnamed(b *testing.B) {
	for _, n := range []int{2000, 16000} {
		data := unnamed(n)
		b.Run("workloads="+strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := scenario.Parse("big.yaml", data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("yaml.v3-alone/workloads="+strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var doc yaml.Node
				if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoadLarge loads the 50 MB of unnamed workloads (2 MB
// under the race detector) as nngbench validate does, beside yaml.v3 alone
// reading the same file into its node tree. Run with -benchtime=1x: one op
// takes seconds. peak-RSS-MiB is the process's high-water mark after each
// (getrusage), so the lighter one runs first and the heavier one's figure
// is its own peak.
func BenchmarkLoadLarge(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.yaml")
	data := unnamedOfSize(largeScenarioBytes)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.Run("yaml.v3-alone", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var doc yaml.Node
			if err := yaml.Unmarshal(data, &doc); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(maxRSSMiB(), "peak-RSS-MiB")
	})
	data = nil //nolint:ineffassign,wastedassign // not kept in memory under Load's peak
	b.Run("Load", func(b *testing.B) {
		for b.Loop() {
			if _, err := scenario.Load(path); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(maxRSSMiB(), "peak-RSS-MiB")
	})
}

// maxRSSMiB is the process's peak resident memory so far.
func maxRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}
