package cluster

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

// StartTimes is how long the cluster took to come up, from the first
// worker's launch: Ready when the last worker's ready file was there (its
// sockets bound), Online when every worker was registered, linked and
// answering /health. Zero with inproc, whose workers are not processes.
type StartTimes struct {
	Ready, Online time.Duration
}

// StartTimes returns how long the start took (see StartTimes).
func (c *Cluster) StartTimes() StartTimes {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.started
}

// Memory is the resident memory of the worker processes, read from
// /proc when asked.
type Memory struct {
	Workers          int   // processes read
	MeanRSS, MaxRSS  int64 // bytes
	TotalRSS         int64 // bytes, all of them
	ControlPlaneRSS  int64 // bytes; 0 when the control plane is embedded
	ControlPlaneSeen bool
}

// Memory reads every running worker's resident set (VmRSS). Workers that
// are not running (killed by a fault, inproc) are left out.
func (c *Cluster) Memory() (Memory, error) {
	var m Memory
	for _, w := range c.Workers() {
		p := c.Worker(w)
		if p == nil || p.Pid() == 0 {
			continue
		}
		rss, err := residentBytes(p.Pid())
		if err != nil {
			continue // exited between the two reads
		}
		m.Workers++
		m.TotalRSS += rss
		m.MaxRSS = max(m.MaxRSS, rss)
	}
	if m.Workers > 0 {
		m.MeanRSS = m.TotalRSS / int64(m.Workers)
	}
	if pc, ok := c.cp.(*processCP); ok {
		if rss, err := residentBytes(pc.proc.Pid()); err == nil {
			m.ControlPlaneRSS, m.ControlPlaneSeen = rss, true
		}
	}
	if m.Workers == 0 && c.opts.Transport != Inproc {
		return m, fmt.Errorf("cluster: memory: no worker process could be read")
	}
	return m, nil
}

// ControlPlaneCPU is the CPU time (user and system) the control plane's
// process has used so far; ok is false when it is embedded in this
// process, whose CPU time it shares with the harness.
func (c *Cluster) ControlPlaneCPU() (d time.Duration, ok bool) {
	pc, isProc := c.cp.(*processCP)
	if !isProc {
		return 0, false
	}
	d, err := cpuTime(pc.proc.Pid())
	return d, err == nil
}

// residentBytes is the resident set of pid.
func residentBytes(pid int) (int64, error) {
	p, err := process.NewProcess(int32(pid)) //nolint:gosec // a pid
	if err != nil {
		return 0, fmt.Errorf("cluster: %d: %w", pid, err)
	}
	m, err := p.MemoryInfo()
	if err != nil {
		return 0, fmt.Errorf("cluster: %d: memory: %w", pid, err)
	}
	return int64(m.RSS), nil //nolint:gosec // bytes of one process
}

// cpuTime is the user and system CPU time pid has used.
func cpuTime(pid int) (time.Duration, error) {
	p, err := process.NewProcess(int32(pid)) //nolint:gosec // a pid
	if err != nil {
		return 0, fmt.Errorf("cluster: %d: %w", pid, err)
	}
	t, err := p.Times()
	if err != nil {
		return 0, fmt.Errorf("cluster: %d: cpu: %w", pid, err)
	}
	return time.Duration((t.User + t.System) * float64(time.Second)), nil
}

// Beats is what a BeatWatch saw of the workers' heartbeats, as the
// control plane recorded them (each node's last_seen, read through its
// API): every change of a node's last_seen is one heartbeat handled (or a
// registration); the gap between two changes is the time between two
// beats handled.
type Beats struct {
	Workers int           // nodes watched
	Handled int           // heartbeats (changes of last_seen) seen
	Late    int           // gaps longer than 1.5 heartbeat intervals: a beat missed or handled late
	MaxGap  time.Duration // the longest gap between two beats of one node
	Offline int           // times a node was seen offline
	Polls   int           // reads of the control plane's node list
	Errors  int           // reads that failed
}

// BeatWatch polls the control plane's node list until stopped.
type BeatWatch struct {
	c        *Cluster
	interval time.Duration
	cancel   context.CancelFunc
	done     chan struct{}

	mu    sync.Mutex
	last  map[string]time.Time // node -> last_seen as last read
	beats Beats
}

// WatchBeats starts watching the heartbeats, reading the node list every
// poll (which must be well under the heartbeat interval, or two beats
// between polls count as one and their gap as one late beat).
func (c *Cluster) WatchBeats(ctx context.Context, interval, poll time.Duration) *BeatWatch {
	ctx, cancel := context.WithCancel(ctx)
	w := &BeatWatch{c: c, interval: interval, cancel: cancel, done: make(chan struct{}), last: map[string]time.Time{}}
	go w.loop(ctx, poll)
	return w
}

func (w *BeatWatch) loop(ctx context.Context, poll time.Duration) {
	defer close(w.done)
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		w.read(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (w *BeatWatch) read(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	nodes, err := w.c.cp.nodes(rctx)
	cancel()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.beats.Polls++
	if err != nil {
		if ctx.Err() == nil {
			w.beats.Errors++
		}
		return
	}
	limit := w.interval * 3 / 2
	for _, n := range nodes {
		if n.Status != "online" {
			w.beats.Offline++
		}
		prev, seen := w.last[n.ID]
		if !seen {
			w.last[n.ID] = n.LastSeen
			continue
		}
		if !n.LastSeen.After(prev) {
			continue
		}
		gap := n.LastSeen.Sub(prev)
		w.beats.Handled++
		w.beats.MaxGap = max(w.beats.MaxGap, gap)
		if gap > limit {
			w.beats.Late++
		}
		w.last[n.ID] = n.LastSeen
	}
	w.beats.Workers = len(w.last)
}

// Peek returns what the watch has seen so far.
func (w *BeatWatch) Peek() Beats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.beats
}

// Stop ends the watch and returns what it saw.
func (w *BeatWatch) Stop() Beats {
	w.cancel()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.beats
}
