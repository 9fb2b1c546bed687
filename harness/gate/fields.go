package gate

import (
	"strings"

	"github.com/nngbench/nngbench/harness/result"
)

// field is one figure of a workload a gate can name.
type field struct {
	dim dim
	get func(*result.Workload) float64
	// latency marks figures that are meaningless without samples: a p99
	// of 0 from a workload that received nothing must not pass "< 50ms".
	latency bool
}

// fields maps WORKLOAD.FIELD's field to the figure. Latencies are those
// timed from the intended send (result.Workload.Latency); _uncorrected
// from the actual send, lag_ the generator's lag behind its schedule.
var fields = buildFields()

// aliases are other spellings of a field.
var aliases = map[string]string{"p99.9": "p999", "p99.99": "p9999"}

func buildFields() map[string]field {
	m := map[string]field{
		"sent":        count(func(w *result.Workload) int64 { return w.Sent }),
		"received":    count(func(w *result.Workload) int64 { return w.Received }),
		"errors":      count(func(w *result.Workload) int64 { return w.Errors }),
		"timeouts":    count(func(w *result.Workload) int64 { return w.Timeouts }),
		"lost":        count(func(w *result.Workload) int64 { return w.Lost }),
		"duplicated":  count(func(w *result.Workload) int64 { return w.Duplicated }),
		"reordered":   count(func(w *result.Workload) int64 { return w.Reordered }),
		"send_rate":   {dim: dimRate, get: func(w *result.Workload) float64 { return w.SendRate }},
		"recv_rate":   {dim: dimRate, get: func(w *result.Workload) float64 { return w.RecvRate }},
		"bytes_per_s": {dim: dimByteRate, get: func(w *result.Workload) float64 { return w.BytesPerS }},
	}
	families := []struct {
		prefix, suffix string
		of             func(*result.Workload) *result.Percentiles
	}{
		{"", "", func(w *result.Workload) *result.Percentiles { return &w.Latency }},
		{"", "_uncorrected", func(w *result.Workload) *result.Percentiles { return &w.LatencyUncorrected }},
		{"lag_", "", func(w *result.Workload) *result.Percentiles { return &w.Lag }},
	}
	stats := []struct {
		name string
		get  func(*result.Percentiles) float64
	}{
		{"p50", func(p *result.Percentiles) float64 { return p.P50 }},
		{"p90", func(p *result.Percentiles) float64 { return p.P90 }},
		{"p99", func(p *result.Percentiles) float64 { return p.P99 }},
		{"p999", func(p *result.Percentiles) float64 { return p.P999 }},
		{"p9999", func(p *result.Percentiles) float64 { return p.P9999 }},
		{"max", func(p *result.Percentiles) float64 { return p.Max }},
		{"mean", func(p *result.Percentiles) float64 { return p.Mean }},
	}
	for _, f := range families {
		for _, s := range stats {
			of, get := f.of, s.get
			m[f.prefix+s.name+f.suffix] = field{dim: dimTime, latency: true,
				get: func(w *result.Workload) float64 { return get(of(w)) }}
		}
	}
	return m
}

func count(get func(*result.Workload) int64) field {
	return field{dim: dimCount, get: func(w *result.Workload) float64 { return float64(get(w)) }}
}

// samples is the number of latency samples behind a latency field.
func samples(name string, w *result.Workload) int64 {
	switch {
	case strings.HasPrefix(name, "lag_"):
		return w.Lag.Count
	case strings.HasSuffix(name, "_uncorrected"):
		return w.LatencyUncorrected.Count
	}
	return w.Latency.Count
}

// lookupField resolves a field name, aliases included.
func lookupField(name string) (string, field, bool) {
	if a, ok := aliases[name]; ok {
		name = a
	}
	f, ok := fields[name]
	return name, f, ok
}

// fieldHelp lists the fields for messages.
const fieldHelp = "p50, p90, p99, p999 (or p99.9), p9999, max, mean (latency from the intended send; " +
	"p99_uncorrected etc. from the actual send, lag_p99 etc. the generator's lag), " +
	"sent, received, errors, timeouts, lost, duplicated, reordered, send_rate, recv_rate, bytes_per_s"
