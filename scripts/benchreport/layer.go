package main

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/nngbench/nngbench/internal/stats"
	"io"
	"os"
	"time"

	"golang.org/x/perf/benchfmt"
)

// comparison is one row family of the table: a paired benchmark
// (testkit.Paired) that ran a baseline and the layer in alternating blocks,
// at each payload size.
type comparison struct {
	title      string
	name       string  // benchmark name with %s for the size
	baseLabel  string  // what the baseline is
	throughput bool    // report messages per second, where higher is better
	limit      float64 // target for the layer against the baseline; 0 = none
	payload    string  // for benchmarks of one size: the size, and name has no %s
}

var comparisons = []comparison{
	{"Envelope encode + decode", "Envelope/%s", "encoding/json", false, 0, ""},
	{"Req/rep round trip, tcp, one request in flight", "ReqRep/%s", "bare mangos", false, 1.3, ""},
	{"Push/pull throughput, tcp, one pusher to one puller", "PushPull/%s", "bare mangos", true, 0.70, ""},
	{"Tasks end to end (dispatch, execute, acknowledge), 8 workers, in tasks/s", "Tasks",
		"bare mangos one-way push/pull, msgs/s", true, 1.0, "1KiB"},
}

var sizes = []string{"64B", "1KiB"}

// sizes are the payloads a comparison ran at.
func (c comparison) sizes() []string {
	if c.payload != "" {
		return []string{c.payload}
	}
	return sizes
}

// key is the benchmark's name at one payload size.
func (c comparison) key(size string) string {
	if c.payload != "" {
		return c.name
	}
	return fmt.Sprintf(c.name, size)
}

// readLayer reads the benchmark output at path.
func readLayer(path string) (map[string]map[string][]float64, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	return read(f, path)
}

// read collects every value of every benchmark, by name without the
// GOMAXPROCS suffix and by unit.
func read(r io.Reader, name string) (map[string]map[string][]float64, int, error) {
	samples := map[string]map[string][]float64{}
	br := benchfmt.NewReader(r, name)
	runs := 0
	for br.Scan() {
		res, ok := br.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		base, parts := res.Name.Parts()
		key := string(base)
		for _, p := range parts {
			if !bytes.HasPrefix(p, []byte("-")) {
				key += string(p)
			}
		}
		if samples[key] == nil {
			samples[key] = map[string][]float64{}
		}
		for _, v := range res.Values {
			samples[key][v.Unit] = append(samples[key][v.Unit], v.Value)
		}
		runs = max(runs, len(samples[key]["cand/base"]))
	}
	if err := br.Err(); err != nil {
		return nil, 0, err
	}
	if len(samples) == 0 {
		return nil, 0, errors.New(name + ": no benchmark results in it")
	}
	return samples, runs, nil
}

// writeLayer writes the section on the messaging layer's benchmarks.
func writeLayer(w io.Writer, samples map[string]map[string][]float64, runs int) error {
	fmt.Fprintf(w, "## Messaging layer beside bare mangos\n\n")
	fmt.Fprintf(w, "Go benchmarks, both ends in one process on loopback. Each benchmark runs the baseline and the layer "+
		"in alternating blocks, so both meet the same machine (it is shared, and drifts by tens of percent within seconds); "+
		"the ratio is the median of the per-block ratios, and the figures are medians over blocks and %d runs. "+
		"Read the ratios; the absolute figures move from run to run.\n\n", runs)
	fmt.Fprintf(w, "| what | payload | baseline | baseline value | layer | ratio | target | met |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|\n")
	rows := 0
	for _, c := range comparisons {
		for _, size := range c.sizes() {
			m := samples[c.key(size)]
			if len(m["cand/base"]) == 0 || len(m["base-sec/op"]) == 0 || len(m["cand-sec/op"]) == 0 {
				continue // not in this input
			}
			base, cand, ratio := stats.Median(m["base-sec/op"]), stats.Median(m["cand-sec/op"]), stats.Median(m["cand/base"])
			target, met := "—", "—"
			unit := "sec/op"
			if c.throughput {
				unit, base, cand, ratio = "msgs/s", 1/base, 1/cand, 1/ratio
			}
			if c.limit > 0 {
				ok := ratio <= c.limit
				target = fmt.Sprintf("≤ %.2fx", c.limit)
				if c.throughput {
					ok, target = ratio >= c.limit, fmt.Sprintf("≥ %.2fx", c.limit)
				}
				met = map[bool]string{true: "yes", false: "**no**"}[ok]
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %.2fx | %s | %s |\n",
				c.title, size, c.baseLabel, format(base, unit), format(cand, unit), ratio, target, met)
			rows++
		}
	}
	if rows == 0 {
		return errors.New("none of the expected benchmark pairs is in the input")
	}
	fmt.Fprintf(w, "\nRatios are layer / baseline: for times lower is better, for throughput higher is better.\n\n")
	return nil
}

func format(v float64, unit string) string {
	switch unit {
	case "sec/op":
		return time.Duration(v * 1e9).Round(10 * time.Nanosecond).String()
	case "msgs/s":
		return fmt.Sprintf("%.0fk msgs/s", v/1000)
	}
	return fmt.Sprintf("%g %s", v, unit)
}
