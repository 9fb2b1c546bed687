package implload_test

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
)

// Known-answer test (c) of the measurement issue: impl reqrep at ten times
// what the cluster answers. The generator falls behind, and what it did
// send shows: sent and received equal what the workers' command sockets
// counted (the harness greets each worker once with a /health before the
// load), the latencies from the intended send grow with the backlog, and
// the run is invalid, saying by how much it lagged.
func TestReqRepOverload(t *testing.T) {
	c := startCluster(t, 2)
	probe := reqrepSpec(0, time.Second, nil)
	probe.Concurrency, probe.Warmup = 32, 0
	p := run(t, c, probe)
	capacity := p.Recv.Snapshot(p.End).RecvRate
	if capacity <= 0 {
		t.Fatalf("closed loop answered nothing")
	}

	spec := reqrepSpec(10*capacity, 2*time.Second, nil)
	spec.Warmup = 0
	before := repCounts(t, c)
	o := run(t, c, spec)
	after := repCounts(t, c)
	send, recv := o.Send.Snapshot(o.End), o.Recv.Snapshot(o.End)
	greets := int64(len(c.Workers()))
	t.Logf("capacity %.0f/s; planned %.0f/s: sent %d (%.0f/s), received %d, timeouts %d; lag p50 %.0fms max %.0fms; latency p50 %.0fms max %.0fms",
		capacity, spec.Rate, send.Sent, send.SendRate, recv.Received, recv.Timeouts, send.Lag.P50/1000, send.Lag.Max/1000,
		recv.Latency.P50/1000, recv.Latency.Max/1000)
	if send.Sent == 0 || recv.Received == 0 {
		t.Fatalf("sent %d, received %d: an overloaded window must show what went out", send.Sent, recv.Received)
	}
	if got := after.received - before.received; got != send.Sent+greets {
		t.Errorf("the workers received %d requests, the harness says it sent %d (+%d greetings)", got, send.Sent, greets)
	}
	if got := after.sent - before.sent; recv.Timeouts == 0 && got != recv.Received+greets {
		t.Errorf("the workers sent %d replies, the harness says it received %d (+%d greetings)", got, recv.Received, greets)
	}
	if send.Valid || !strings.Contains(send.Invalid, "behind") || !strings.Contains(send.Invalid, "late") {
		t.Errorf("send side valid %v (%q): want invalid, the generator behind its plan by its lag", send.Valid, send.Invalid)
	}
	// The backlog grows all along: each interval's median is above the
	// one before, the last one at least twice the first.
	ivs := recv.Intervals
	for i := 1; i < len(ivs); i++ {
		if ivs[i].Received > 0 && ivs[i].P50US <= ivs[i-1].P50US {
			t.Errorf("interval %d: p50 %.0fµs, not above the one before (%.0fµs): want it to grow with the lag", i, ivs[i].P50US, ivs[i-1].P50US)
		}
	}
	if len(ivs) < 2 || ivs[len(ivs)-1].P50US < 2*ivs[0].P50US {
		t.Errorf("intervals %+v: want the last p50 at least twice the first", ivs)
	}
	if send.Lag.Max < 500_000 { // µs: half a second behind by the end
		t.Errorf("lag max %.0fµs: want the generator far behind", send.Lag.Max)
	}
}

// counts are a worker's command-socket counters, summed over workers.
type counts struct{ received, sent int64 }

// repCounts reads every worker's /metrics and sums the messages of its
// REP sockets (the command socket).
func repCounts(t *testing.T, c *cluster.Cluster) counts {
	t.Helper()
	var out counts
	for _, w := range c.Workers() {
		addr := c.Worker(w).Ready().Addresses["metrics"]
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			name, rest, ok := strings.Cut(line, "{")
			if !ok || !strings.Contains(rest, `pattern="rep"`) {
				continue
			}
			v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err != nil {
				t.Fatalf("%s metrics: %q: %v", w, line, err)
			}
			switch name {
			case "nngbench_messages_received_total":
				out.received += int64(v)
			case "nngbench_messages_sent_total":
				out.sent += int64(v)
			}
		}
		_ = resp.Body.Close()
		cancel()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
