package load_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/scenario"
)

// The harness's known-answer test (c): an open-loop generator keeps its planned rate within 1%,
// and nothing sent on a healthy loopback is lost, duplicated or left unmeasured.
func TestPushPullOpenLoopKeepsRate(t *testing.T) {
	t.Parallel()
	o := run(t, load.Spec{Spec: engine.Spec{Pattern: scenario.PatternPushPull, Rate: 2000, Duration: 2 * time.Second, Warmup: 200 * time.Millisecond, Size: scenario.SizeRange{Min: 64, Max: 512}, Seed: 1}})
	send, recv := snapshots(o)
	if d := send.SendRate/2000 - 1; d < -0.01 || d > 0.01 {
		t.Errorf("send rate %.1f/s, want 2000/s ±1%%", send.SendRate)
	}
	if !send.Valid {
		t.Errorf("send side invalid: %s", send.Invalid)
	}
	if o.Loss.Lost != 0 || o.Loss.Duplicated != 0 {
		t.Errorf("loss %+v, want none", o.Loss)
	}
	if send.Sent != recv.Received || send.Sent == 0 {
		t.Errorf("sent %d, received %d", send.Sent, recv.Received)
	}
	if n := o.Recv.Histogram().TotalCount(); n != recv.Received {
		t.Errorf("%d latencies for %d messages", n, recv.Received)
	}
	if n := o.Recv.Uncorrected().TotalCount(); n != recv.Received {
		t.Errorf("%d uncorrected latencies for %d messages", n, recv.Received)
	}
}

// A checker that never sees a loss proves nothing: hang one of two pullers halfway, then close it, and the lost
// sequences must be exactly those sent that no puller got, as the receivers themselves saw.
func TestPushPullKilledPullerShowsLoss(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	got := map[uint64]bool{}
	killedAt := 500 * time.Millisecond
	o := run(t, load.Spec{Spec: engine.Spec{Pattern: scenario.PatternPushPull, Rate: 4000, Duration: time.Second, Size: scenario.SizeRange{Min: 64, Max: 64}, Grace: 300 * time.Millisecond, Observe: func(_ int, s engine.Stamp) {
		mu.Lock()
		got[s.Seq] = true
		mu.Unlock()
	}}, Peers: 2, Kill: &load.Kill{Peer: 1, At: killedAt, Hang: 100 * time.Millisecond}})
	var want []uint64
	for q := uint64(0); q < uint64(o.Loss.Sent); q++ { // open loop: sequences are 0..sent-1, none skipped
		if !got[q] {
			want = append(want, q)
		}
	}
	if len(want) == 0 {
		t.Fatalf("no message lost to the killed puller: the test no longer exercises loss (loss %+v)", o.Loss)
	}
	if !slices.Equal(o.Loss.Missing, want) || o.Loss.Lost != int64(len(want)) {
		t.Fatalf("lost %d %v, want %d %v", o.Loss.Lost, o.Loss.Missing, len(want), want)
	}
	if _, recv := snapshots(o); recv.Lost != o.Loss.Lost {
		t.Errorf("recorder lost %d, ledger %d (no warmup: they must agree)", recv.Lost, o.Loss.Lost)
	}
	t.Logf("sent %d, lost %d after killing puller 1 at %v", o.Loss.Sent, o.Loss.Lost, killedAt)
}

// Every subscriber is owed every message: each gets them all, with its own latencies, and the
// time until the last one has it is recorded per message.
func TestPubSubEverySubscriberGetsAll(t *testing.T) {
	t.Parallel()
	o := run(t, load.Spec{Spec: engine.Spec{Pattern: scenario.PatternPubSub, Rate: 500, Duration: time.Second, Size: scenario.SizeRange{Min: 128, Max: 128}}, Peers: 3})
	send, recv := snapshots(o)
	if o.Loss.Lost != 0 || o.Loss.Duplicated != 0 {
		t.Errorf("loss %+v, want none", o.Loss)
	}
	for _, p := range o.Peers {
		if p.Received != o.Loss.Sent || p.Lost != 0 {
			t.Errorf("subscriber %d: received %d of %d, lost %d", p.Peer, p.Received, o.Loss.Sent, p.Lost)
		}
	}
	if recv.Received != 3*send.Sent {
		t.Errorf("received %d, want 3 x %d", recv.Received, send.Sent)
	}
	last := o.Last.Snapshot(o.End)
	if last.Received != send.Sent {
		t.Errorf("time-to-last for %d messages, want %d", last.Received, send.Sent)
	}
	if last.Latency.P50 < recv.Latency.P50 {
		t.Errorf("time-to-last p50 %v below a subscriber's p50 %v", last.Latency.P50, recv.Latency.P50)
	}
}

// One way, sends take no deadline: a puller that hangs makes the sender block, and the run
// must still end, Timeout after its end, with the messages the puller never read lost; open
// loop, the generator then shows as behind its plan.
func TestHungPullerEnds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		rate float64
	}{{"closed", 0}, {"open", 20_000}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec := load.Spec{Spec: engine.Spec{Pattern: scenario.PatternPushPull, Rate: tc.rate, Duration: 500 * time.Millisecond, Size: scenario.SizeRange{Min: 1024, Max: 1024}, Timeout: 200 * time.Millisecond, Grace: 200 * time.Millisecond}, Kill: &load.Kill{Peer: 0, At: 100 * time.Millisecond, Hang: time.Minute}}
			start := time.Now()
			o := run(t, spec)
			if took, bound := time.Since(start), spec.Duration+spec.Timeout+spec.Grace+2*time.Second; took > bound {
				t.Errorf("run took %v with its only puller hung, want under %v", took, bound)
			}
			if o.Loss.Sent == 0 || o.Loss.Lost == 0 {
				t.Errorf("loss %+v: want messages sent and some lost in the hung puller's queue", o.Loss)
			}
			if _, behind := o.Send.Behind(tc.rate, o.End); tc.rate > 0 && !behind {
				t.Errorf("open loop at %.0f/s with its only puller hung: generator not behind plan", tc.rate)
			}
		})
	}
}

// Far above what one sender can do, the window still shows what went out:
// the messages sent in it (whenever they were due), their latency from the
// intended send, growing with the lag, and a generator marked behind.
func TestOverloadShowsWhatWasSent(t *testing.T) {
	t.Parallel()
	o := run(t, load.Spec{Spec: engine.Spec{Pattern: scenario.PatternPushPull, Rate: 2_000_000, Warmup: 200 * time.Millisecond, Duration: 500 * time.Millisecond, Size: scenario.SizeRange{Min: 64, Max: 64}}})
	send, recv := snapshots(o)
	t.Logf("planned 2M/s: sent %d in the window (%.0f/s), received %d; lag max %.0fms; latency p50 %.0fms",
		send.Sent, send.SendRate, recv.Received, send.Lag.Max/1000, recv.Latency.P50/1000)
	if send.Sent == 0 || recv.Received == 0 {
		t.Fatalf("sent %d, received %d in the window: messages went out in it", send.Sent, recv.Received)
	}
	if send.Valid || !strings.Contains(send.Invalid, "behind") || !strings.Contains(send.Invalid, "late") {
		t.Errorf("valid %v (%q): want the generator marked behind, with its lag", send.Valid, send.Invalid)
	}
	if recv.Latency.Max < recv.LatencyUncorrected.Max || send.Lag.Max < 100_000 {
		t.Errorf("latency max %.0fµs (uncorrected %.0fµs), lag max %.0fµs: want the lag in the latencies",
			recv.Latency.Max, recv.LatencyUncorrected.Max, send.Lag.Max)
	}
}
