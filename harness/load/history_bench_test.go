package load

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/scenario"
)

// countWriter counts what is written to it.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)

// BenchmarkHistoryCost is what the history costs on the harness's fastest
// path: closed-loop raw push/pull over loopback TCP, one puller in this
// process, 64-byte messages, in alternating runs with and without recording
// ops, side by side in one process. It reports each side's throughput
// (messages received per second of the window), their ratio, and the
// history's size on disk per op (history.Write of the runs that recorded).
func BenchmarkHistoryCost(b *testing.B) {
	const rounds = 8
	spec := Spec{Spec: engine.Spec{Pattern: scenario.PatternPushPull, Duration: 500 * time.Millisecond,
		Size: scenario.SizeRange{Min: 64, Max: 64}}, Peers: 1}
	run := func(noHistory bool) (*engine.Outcome, float64) {
		s := spec
		s.noHistory = noHistory
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		o, err := Run(ctx, s)
		if err != nil {
			b.Fatal(err)
		}
		return o, float64(o.Counts.Received) / s.Duration.Seconds()
	}
	var with, without, bytes, ops float64
	for range b.N {
		for i := range rounds {
			order := []bool{false, true}
			if i%2 == 1 { // neither side always goes first
				order = []bool{true, false}
			}
			for _, off := range order {
				o, rate := run(off)
				if off {
					without += rate
					continue
				}
				with += rate
				var w countWriter
				h := &history.History{Meta: history.Meta{Schema: history.Schema, Workloads: []history.Workload{o.Workload}},
					Tapes: [][][]history.Op{o.Tapes}}
				if err := history.Write(&w, h); err != nil {
					b.Fatal(err)
				}
				bytes += float64(w.n)
				for _, t := range o.Tapes {
					ops += float64(len(t))
				}
			}
		}
	}
	n := float64(rounds * b.N)
	b.ReportMetric(with/n, "msgs/s-history")
	b.ReportMetric(without/n, "msgs/s-none")
	b.ReportMetric(with/without, "ratio")
	b.ReportMetric(bytes/ops, "bytes/op-disk")
	b.ReportMetric(0, "ns/op")
}
