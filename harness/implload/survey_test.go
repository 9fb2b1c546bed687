package implload_test

import (
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/implload"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Every worker answers every survey before its deadline.
func TestSurvey(t *testing.T) {
	c := startCluster(t, 3)
	var obs observed
	o := run(t, c, implload.Spec{Spec: engine.Spec{Pattern: scenario.PatternSurvey, Rate: 50,
		Duration: time.Second, Warmup: 200 * time.Millisecond, Timeout: 300 * time.Millisecond,
		Size: scenario.SizeRange{Min: 64, Max: 256}, Observe: obs.observe}})
	send, recv := o.Send.Snapshot(o.End), o.Recv.Snapshot(o.End)
	if want := 3 * send.Sent; send.Sent == 0 || recv.Received != want {
		t.Errorf("%d surveys, %d answers, want %d", send.Sent, recv.Received, want)
	}
	if o.Loss.Lost != 0 || o.Loss.Duplicated != 0 || o.Loss.Received != 3*o.Loss.Sent {
		t.Errorf("loss %+v", o.Loss)
	}
	if s := o.Survey; s.Surveys != send.Sent || s.Expected != 3*s.Surveys || s.Replies != s.Expected || s.Share != 1 {
		t.Errorf("survey count %+v, %d surveys sent", s, send.Sent)
	}
	if got := obs.total(); got != o.Loss.Received {
		t.Errorf("Observe called %d times, %d answers", got, o.Loss.Received)
	}
	for _, w := range c.Workers() {
		s := o.ByPeer[w].Snapshot(o.End)
		if s.Received != send.Sent || s.Latency.P50 <= 0 || s.Latency.P50 > 20_000 {
			t.Errorf("%s: %d answers, p50 %vµs; want %d, in (0, 20ms)", w, s.Received, s.Latency.P50, send.Sent)
		}
	}
	last := o.Last.Snapshot(o.End)
	if last.Received != send.Sent || last.Latency.P50 < recv.Latency.P50 {
		t.Errorf("until the last answer: %d surveys, p50 %vµs; per answer p50 %vµs", last.Received, last.Latency.P50, recv.Latency.P50)
	}
	t.Logf("%.0f surveys/s, share %.3f; per answer p50 %vµs p99 %vµs; until the last p50 %vµs",
		send.SendRate, o.Survey.Share, recv.Latency.P50, recv.Latency.P99, last.Latency.P50)
}

// A worker stopped (SIGSTOP) halfway through the window answers no more:
// its surveys are lost, the others' are not, and the share falls.
func TestSurveyStoppedWorker(t *testing.T) {
	c := startCluster(t, 3)
	w := c.Worker("worker-3")
	var answers atomic.Int64
	var once sync.Once
	spec := implload.Spec{Spec: engine.Spec{Pattern: scenario.PatternSurvey, Rate: 50,
		Duration: time.Second, Warmup: 200 * time.Millisecond, Timeout: 200 * time.Millisecond,
		Observe: func(peer int, _ engine.Stamp) {
			// Answers are observed at their survey's deadline, when
			// worker-3 has answered 10 more (0.2 s at 50/s): stopping at
			// the 25th leaves it about 10 of warmup and 25 of the window's 50.
			if peer == 2 && answers.Add(1) == 25 {
				once.Do(func() { _ = w.Stop(syscall.SIGSTOP) })
			}
		}}}
	t.Cleanup(func() {
		if err := w.Cont(); err != nil {
			t.Errorf("SIGCONT: %v", err)
		}
	})
	o := run(t, c, spec)
	s := o.Survey
	t.Logf("survey count %+v; loss by worker %d %d %d", s, o.Peers[0].Lost, o.Peers[1].Lost, o.Peers[2].Lost)
	if s.Share < 0.75 || s.Share > 0.9 || s.Replies >= s.Expected {
		t.Errorf("share %.3f, want about 5/6", s.Share)
	}
	if o.Peers[0].Lost+o.Peers[1].Lost != 0 || o.Peers[2].Lost == 0 || o.Loss.Lost != o.Peers[2].Lost {
		t.Errorf("lost %d, by worker %d %d %d: want worker-3's only", o.Loss.Lost, o.Peers[0].Lost, o.Peers[1].Lost, o.Peers[2].Lost)
	}
	if recv := o.Recv.Snapshot(o.End); recv.Lost != o.Peers[2].Lost {
		t.Errorf("Recv counts %d lost in the window, want worker-3's %d (all in the window)", recv.Lost, o.Peers[2].Lost)
	}
}
