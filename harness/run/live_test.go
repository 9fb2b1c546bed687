package run

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/internal/wait"
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
	l.observe(0, engine.Stamp{Intended: before.Add(-50 * time.Millisecond)})
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
		l.observe(0, engine.Stamp{Intended: time.Now()})
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

// A change of phase or of the faults in force shows at once, however
// rare the ticks.
func TestProgressShowsChangesAtOnce(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []Status
	has := func(ok func(Status) bool) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			return slices.ContainsFunc(got, ok)
		}
	}
	phase := func(ph Phase) func() bool { return has(func(s Status) bool { return s.Phase == ph }) }
	var faults atomic.Pointer[[]string]
	faults.Store(&[]string{})
	p := newProgress(Options{ProgressEvery: time.Hour, Progress: func(s Status) {
		mu.Lock()
		got = append(got, s)
		mu.Unlock()
	}}, "s", 100*time.Millisecond, 300*time.Millisecond, []*live{newLive("w", 1)})
	p.run()
	defer p.stop()
	wait.Until(t, 5*time.Second, "starting shown", phase(PhaseStart))
	p.setPhase(PhaseCluster)
	wait.Until(t, 5*time.Second, "cluster shown", phase(PhaseCluster))
	p.loadStarted(time.Now(), func() []string { return *faults.Load() })
	wait.Until(t, 5*time.Second, "warmup shown", phase(PhaseWarmup))
	wait.Until(t, 5*time.Second, "measuring shown", phase(PhaseMeasure))
	faults.Store(&[]string{"latency-1"})
	wait.Until(t, 5*time.Second, "fault shown", has(func(s Status) bool { return slices.Equal(s.Faults, []string{"latency-1"}) }))
	wait.Until(t, 5*time.Second, "draining shown", phase(PhaseDrain))
	p.setPhase(PhaseStopping)
	wait.Until(t, 5*time.Second, "stopping shown", phase(PhaseStopping))
}
