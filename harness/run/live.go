package run

import (
	"fmt"
	"strings"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/nngbench/nngbench/harness/engine"
)

// Phase is where a run is.
type Phase string

// The phases, in order.
const (
	PhaseStart    Phase = "starting"
	PhaseCluster  Phase = "starting cluster"
	PhaseWarmup   Phase = "warmup"
	PhaseMeasure  Phase = "measuring"
	PhaseDrain    Phase = "draining" // the window is over; replies and stragglers still come in
	PhaseChecking Phase = "checking" // faults healed; waiting for the cluster to settle, checking what it did
	PhaseStopping Phase = "stopping" // healing faults, stopping processes, writing results
)

// Status is a run's progress, as Options.Progress gets it.
type Status struct {
	Scenario  string
	Phase     Phase
	Elapsed   time.Duration // since the load started (0 before)
	Total     time.Duration // warmup + duration
	Workloads []WorkloadStatus
	Faults    []string // the faults in force, by name
}

// WorkloadStatus is one workload's figures so far, from the messages its
// receivers reported (load.Spec.Observe). A driver that reports none, as
// raw reqrep does, shows Received 0.
type WorkloadStatus struct {
	Name     string
	Received int64         // messages received so far, warmup included; fan-out counts each receiver
	Rate     float64       // received per second since the last Status
	P99      time.Duration // since the start, from the intended send time
}

// String is the status on one line.
func (s Status) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", s.Scenario, s.Phase)
	if s.Elapsed > 0 {
		fmt.Fprintf(&b, " %.1fs/%.1fs", s.Elapsed.Seconds(), s.Total.Seconds())
	}
	for _, w := range s.Workloads {
		fmt.Fprintf(&b, " | %s ", w.Name)
		if w.Received == 0 {
			b.WriteString("-")
			continue
		}
		fmt.Fprintf(&b, "%.0f/s p99 %s", w.Rate, short(w.P99))
	}
	if len(s.Faults) > 0 {
		fmt.Fprintf(&b, " | faults: %s", strings.Join(s.Faults, ","))
	}
	return b.String()
}

// short writes d with three significant digits in a unit that suits it.
func short(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.3gms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.3gs", d.Seconds())
	}
}

// liveHighest is the longest latency the live histograms hold, in µs;
// longer ones count as this. Two digits are plenty for a progress line.
const (
	liveHighest = int64(60 * time.Second / time.Microsecond)
	liveSigFigs = 2
)

// live gathers one workload's receipts as they happen. Receivers call
// observe from their own goroutines; each peer has a shard of its own, so
// receivers do not contend, only the progress goroutine's reads do.
type live struct {
	name   string
	shards []liveShard
	// read by the progress goroutine only
	lastN  int64
	lastAt time.Time
}

type liveShard struct {
	mu sync.Mutex
	n  int64
	h  *hdrhistogram.Histogram
}

func newLive(name string, peers int) *live {
	l := &live{name: name, shards: make([]liveShard, max(peers, 1))}
	for i := range l.shards {
		l.shards[i].h = hdrhistogram.New(1, liveHighest, liveSigFigs)
	}
	return l
}

// observe is a load.Spec.Observe: the message arrived now.
func (l *live) observe(peer int, s engine.Stamp) { l.add(peer, time.Since(s.Intended)) }

// add counts a message that peer received lat after its intended send.
func (l *live) add(peer int, lat time.Duration) {
	us := min(max(lat.Microseconds(), 1), liveHighest)
	sh := &l.shards[uint(peer)%uint(len(l.shards))]
	sh.mu.Lock()
	sh.n++
	_ = sh.h.RecordValue(us) // cannot fail: us is in range
	sh.mu.Unlock()
}

// read returns the messages so far and their p99.
func (l *live) read() (n int64, p99 time.Duration) {
	all := hdrhistogram.New(1, liveHighest, liveSigFigs)
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += sh.n
		all.Merge(sh.h)
		sh.mu.Unlock()
	}
	return n, time.Duration(all.ValueAtQuantile(99)) * time.Microsecond
}

// status reads l at now, and the rate since the last status.
func (l *live) status(now time.Time) WorkloadStatus {
	n, p99 := l.read()
	w := WorkloadStatus{Name: l.name, Received: n, P99: p99}
	if dt := now.Sub(l.lastAt).Seconds(); !l.lastAt.IsZero() && dt > 0 {
		w.Rate = float64(n-l.lastN) / dt
	}
	l.lastN, l.lastAt = n, now
	return w
}

// faultPoll is how often the faults in force are looked at during the
// load, so that one starting or ending shows at once.
const faultPoll = 50 * time.Millisecond

// progress calls Options.Progress from one goroutine: every tick, and at
// once when the phase or the faults in force change. With no Progress
// every method does nothing.
type progress struct {
	fn       func(Status)
	every    time.Duration
	scenario string
	total    time.Duration
	warmup   time.Duration
	lives    []*live

	mu     sync.Mutex
	phase  Phase // set explicitly outside the load; "" during it: the clock says
	start  time.Time
	faults func() []string

	nudge chan struct{}
	done  chan struct{}
	wg    sync.WaitGroup
}

func newProgress(o Options, scenarioName string, warmup, total time.Duration, lives []*live) *progress {
	return &progress{fn: o.Progress, every: o.ProgressEvery, scenario: scenarioName, warmup: warmup,
		total: total, lives: lives, phase: PhaseStart, nudge: make(chan struct{}, 1), done: make(chan struct{})}
}

// shown is what the last status said, to tell a change from it.
type shown struct {
	phase  Phase
	faults string
	at     time.Time
}

func (p *progress) run() {
	if p.fn == nil {
		return
	}
	p.wg.Go(func() {
		timer := time.NewTimer(0)
		defer timer.Stop()
		var last shown
		for {
			select {
			case <-p.done:
				return
			case <-timer.C:
			case <-p.nudge:
				last.at = time.Time{} // a nudge always shows
			}
			now := time.Now()
			phase, faults := p.now(now)
			key := strings.Join(faults, ",")
			if now.Sub(last.at) >= p.every || phase != last.phase || key != last.faults {
				p.fn(p.status(now, phase, faults))
				last = shown{phase: phase, faults: key, at: now}
			}
			timer.Reset(p.wait(now, last.at))
		}
	})
}

// now is the phase and the faults in force at now.
func (p *progress) now(now time.Time) (Phase, []string) {
	p.mu.Lock()
	phase, start, faults := p.phase, p.start, p.faults
	p.mu.Unlock()
	if phase == "" {
		phase = clockPhase(now.Sub(start), p.warmup, p.total)
	}
	if faults == nil {
		return phase, nil
	}
	return phase, faults()
}

// wait is the time until the goroutine looks again: the next tick, or
// sooner when the clock will move the load into its next phase, or to
// look at the faults while the load runs.
func (p *progress) wait(now, shownAt time.Time) time.Duration {
	p.mu.Lock()
	start, explicit, faults := p.start, p.phase != "", p.faults != nil
	p.mu.Unlock()
	d := max(shownAt.Add(p.every).Sub(now), 0)
	if start.IsZero() || explicit {
		return d
	}
	if faults {
		d = min(d, faultPoll)
	}
	for _, b := range []time.Duration{p.warmup, p.total} {
		if until := start.Add(b).Sub(now); until > 0 && until < d {
			d = until + time.Millisecond // just past the boundary
		}
	}
	return d
}

// setPhase moves to ph and reports it at once.
func (p *progress) setPhase(ph Phase) {
	p.mu.Lock()
	p.phase = ph
	p.mu.Unlock()
	p.poke()
}

// loadStarted marks the start of the load; the phase follows the clock
// from then until the next setPhase. faults, if not nil, lists the faults
// in force.
func (p *progress) loadStarted(start time.Time, faults func() []string) {
	p.mu.Lock()
	p.phase, p.start, p.faults = "", start, faults
	p.mu.Unlock()
	p.poke()
}

func (p *progress) poke() {
	select {
	case p.nudge <- struct{}{}:
	default:
	}
}

// stop ends the goroutine; Progress is not called after it returns.
func (p *progress) stop() {
	close(p.done)
	p.wg.Wait()
}

func (p *progress) status(now time.Time, phase Phase, faults []string) Status {
	p.mu.Lock()
	start := p.start
	p.mu.Unlock()
	s := Status{Scenario: p.scenario, Phase: phase, Total: p.total, Faults: faults}
	if !start.IsZero() {
		s.Elapsed = now.Sub(start)
	}
	for _, l := range p.lives {
		s.Workloads = append(s.Workloads, l.status(now))
	}
	return s
}

func clockPhase(elapsed, warmup, total time.Duration) Phase {
	switch {
	case elapsed < warmup:
		return PhaseWarmup
	case elapsed < total:
		return PhaseMeasure
	default:
		return PhaseDrain
	}
}
