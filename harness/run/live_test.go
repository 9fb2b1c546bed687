package run

import (
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/load"
)

// The live p99 is that of what the receivers reported, whichever
// goroutines reported it; at two significant digits, within 2%.
func TestLiveP99(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		fast, slow int // messages 1 ms and 100 ms late
		want       time.Duration
	}{
		{"tail above 1%", 1000, 20, 100 * time.Millisecond},
		{"tail below 1%", 1000, 5, time.Millisecond},
		{"all slow", 0, 50, 100 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := newLive("w", 4)
			var wg sync.WaitGroup
			for peer := range 4 { // as four receivers would, at once
				wg.Go(func() {
					for i := peer; i < tc.fast+tc.slow; i += 4 {
						late := time.Millisecond
						if i >= tc.fast {
							late = 100 * time.Millisecond
						}
						l.add(peer, late)
					}
				})
			}
			wg.Wait()
			n, p99 := l.read()
			if n != int64(tc.fast+tc.slow) {
				t.Errorf("%d messages, want %d", n, tc.fast+tc.slow)
			}
			if p99 < tc.want || p99 > tc.want*102/100 {
				t.Errorf("p99 %v, want %v to +2%%", p99, tc.want)
			}
		})
	}
}

// The rate is what came in between two statuses, over the time between them.
// observe times a message from its intended send to now.
func TestLiveObserve(t *testing.T) {
	t.Parallel()
	l := newLive("w", 1)
	before := time.Now()
	l.observe(0, load.Stamp{Intended: before.Add(-50 * time.Millisecond)})
	took := time.Since(before)
	if n, p99 := l.read(); n != 1 || p99 < 49*time.Millisecond || p99 > (50*time.Millisecond+took)*102/100 {
		t.Errorf("%d messages, p99 %v; want 1 at 50ms (+%v)", n, p99, took)
	}
}

func TestLiveRate(t *testing.T) {
	t.Parallel()
	l := newLive("w", 1)
	t0 := time.Now()
	if s := l.status(t0); s.Rate != 0 || s.Received != 0 {
		t.Errorf("first status %+v, want nothing yet", s)
	}
	for range 500 {
		l.observe(0, load.Stamp{Intended: time.Now()})
	}
	if s := l.status(t0.Add(250 * time.Millisecond)); s.Rate != 2000 || s.Received != 500 {
		t.Errorf("status %+v, want 500 received at 2000/s", s)
	}
	if s := l.status(t0.Add(time.Second)); s.Rate != 0 || s.Received != 500 {
		t.Errorf("status %+v, want 500 received, none since", s)
	}
}

func TestStatusString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		s    Status
		want string
	}{
		{"before the load", Status{Scenario: "s", Phase: PhaseCluster, Total: 3 * time.Second,
			Workloads: []WorkloadStatus{{Name: "a"}}}, "s starting cluster | a -"},
		{"measuring with a fault", Status{Scenario: "s", Phase: PhaseMeasure, Elapsed: 1500 * time.Millisecond,
			Total: 3 * time.Second, Faults: []string{"latency-1", "pause-2"}, Workloads: []WorkloadStatus{
				{Name: "a", Received: 10, Rate: 1999.6, P99: 850 * time.Microsecond},
				{Name: "b", Received: 10, Rate: 20, P99: 21500 * time.Microsecond},
				{Name: "c", Received: 10, Rate: 1, P99: 2500 * time.Millisecond}}},
			"s measuring 1.5s/3.0s | a 2000/s p99 850µs | b 20/s p99 21.5ms | c 1/s p99 2.5s | faults: latency-1,pause-2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.String(); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestClockPhase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		elapsed time.Duration
		want    Phase
	}{
		{0, PhaseWarmup}, {time.Second, PhaseMeasure}, {3 * time.Second, PhaseDrain},
	} {
		if got := clockPhase(tc.elapsed, time.Second, 3*time.Second); got != tc.want {
			t.Errorf("clockPhase(%v) = %q, want %q", tc.elapsed, got, tc.want)
		}
	}
}
