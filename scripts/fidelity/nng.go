package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/peer"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/scenario"
)

// nngRun is one nngbench raw run: closed loop, one sender (one request in flight), its peer in a
// process of its own, as `nngbench run` drives raw mode.
type nngRun struct {
	bin     string
	pattern scenario.Pattern
	size    int
	warmup  time.Duration
	window  time.Duration
	timeout time.Duration
	// via puts a proxy between the peer and the hub (nil: direct).
	via func(hub string) (string, func(), error)
}

// nngFigures is what one run gives: rates per second, latencies in µs.
type nngFigures struct {
	SendRate    float64 `json:"send_rate"`    // messages handed to the socket in the window, per s
	RecvRate    float64 `json:"recv_rate"`    // as result.json says: messages of the window received, per s
	ArrivalRate float64 `json:"arrival_rate"` // messages that arrived within the window, per s (whole-second windows)
	RTTMeanUS   float64 `json:"rtt_mean_us,omitempty"`
	RTTP50US    float64 `json:"rtt_p50_us,omitempty"`
	Lost        int64   `json:"lost"`
}

// throughput is the figure compared with local_thr: arrivals within the window where the
// window holds whole intervals, what nngbench reports (recv_rate) otherwise.
func (f nngFigures) throughput() float64 {
	if f.ArrivalRate > 0 {
		return f.ArrivalRate
	}
	return f.RecvRate
}

func (r nngRun) run(ctx context.Context) (nngFigures, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	spec := load.Spec{Spec: engine.Spec{Pattern: r.pattern, Concurrency: 1, Size: scenario.SizeRange{Min: int64(r.size), Max: int64(r.size)}, Warmup: r.warmup, Duration: r.window}, Procs: &peer.Procs{Bin: r.bin, Stderr: os.Stderr}, Via: r.via}
	o, err := load.Run(ctx, spec)
	if err != nil {
		return nngFigures{}, fmt.Errorf("nngbench %s: %w", r.pattern, err)
	}
	send, recv := o.Send.Snapshot(o.End), o.Recv.Snapshot(o.End)
	f := nngFigures{SendRate: send.SendRate, RecvRate: recv.RecvRate, Lost: o.Loss.Lost,
		ArrivalRate: arrivalRate(recv, r.window)}
	if r.pattern == scenario.PatternReqRep {
		// Closed loop: the uncorrected latency, from the actual send, is the round trip the
		// perf tool times (without ExpectedInterval the corrected one is the same).
		f.RTTMeanUS, f.RTTP50US = recv.LatencyUncorrected.Mean, recv.LatencyUncorrected.P50
	}
	if f.Lost != 0 {
		return f, fmt.Errorf("nngbench %s: lost %d messages on a healthy loopback", r.pattern, f.Lost)
	}
	return f, nil
}

// arrivalRate counts the receipts of the intervals inside the window, by arrival time: what
// drained after the window's end does not count. 0 unless the window is whole intervals.
func arrivalRate(s record.Summary, window time.Duration) float64 {
	if window%record.DefaultInterval != 0 {
		return 0
	}
	n := int64(0)
	for _, iv := range s.Intervals {
		if iv.TS < window.Seconds() {
			n += iv.Received
		}
	}
	return float64(n) / window.Seconds()
}
