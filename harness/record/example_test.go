package record_test

import (
	"fmt"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/record"
)

// A sender due to send every millisecond is blocked for a second by a
// stalled peer. Timed from the actual send, as a tool with coordinated
// omission would, only one message in 10,000 looks slow; timed from the
// schedule, a tenth of them waited up to a second.
func ExampleRecorder() {
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return start.Add(d) }
	plan := engine.ConstantPacer{Freq: 1000, Duration: 10 * time.Second}
	r := record.New(record.Options{Start: start, Planned: plan.Freq})
	for k := range uint64(10_000) {
		due := plan.Intended(start, k)
		sent, reply := due, due.Add(time.Millisecond)
		switch {
		case k == 5000: // in flight when the peer stalls
			reply = at(6 * time.Second)
		case k > 5000 && k < 6000: // blocked until the stall ends
			sent, reply = at(6*time.Second), at(6*time.Second+time.Millisecond)
		}
		r.Sent(due, sent, 64)
		r.Received(due, sent, reply, 64)
	}
	s := r.Snapshot(at(10 * time.Second))
	fmt.Printf("sent %d/s, received %d/s, valid %v\n", int(s.SendRate), int(s.RecvRate), s.Valid)
	fmt.Printf("corrected:   p50 %4.0f ms  p99 %4.0f ms  max %4.0f ms\n", s.Latency.P50/1e3, s.Latency.P99/1e3, s.Latency.Max/1e3)
	fmt.Printf("uncorrected: p50 %4.0f ms  p99 %4.0f ms  max %4.0f ms\n", s.LatencyUncorrected.P50/1e3, s.LatencyUncorrected.P99/1e3, s.LatencyUncorrected.Max/1e3)
	fmt.Printf("generator lag: max %.0f ms\n", s.Lag.Max/1e3)
	// Output:
	// sent 1000/s, received 1000/s, valid true
	// corrected:   p50    1 ms  p99  901 ms  max 1000 ms
	// uncorrected: p50    1 ms  p99    1 ms  max 1000 ms
	// generator lag: max 999 ms
}

// Each worker goroutine records into its own Recorder; they are merged once
// the workers are done.
func ExampleRecorder_Merge() {
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	total := record.New(record.Options{Start: start})
	for w := range 3 {
		r := record.New(record.Options{Start: start}) // in worker w's goroutine
		due := start.Add(time.Duration(w) * time.Millisecond)
		r.Sent(due, due, 10)
		r.Received(due, due, due.Add(time.Duration(w+1)*time.Millisecond), 10)
		if err := total.Merge(r); err != nil {
			fmt.Println(err)
		}
	}
	s := total.Snapshot(start.Add(time.Second))
	// 3 ms is in a bucket 2 µs wide at 3 significant digits; the maximum
	// is its upper edge, which never understates.
	fmt.Printf("received %d, max %.0f µs, mean %.0f µs\n", s.Received, s.Latency.Max, s.Latency.Mean)
	// Output:
	// received 3, max 3001 µs, mean 2000 µs
}
