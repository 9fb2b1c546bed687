package load_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/peer"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/internal/wait"
)

// procs runs the peers as nngbench processes, their stderr in the test log.
func procs(t *testing.T) *peer.Procs {
	t.Helper()
	return &peer.Procs{Bin: nngbench, Stderr: testWriter{t}}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Logf("peer: %s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// Peers in processes of their own: nothing lost, every message measured once, latencies from a
// receiving process's clock that make sense, per-peer figures merged as in-process ones are.
func TestProcsOneWay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern scenario.Pattern
		peers   int
		each    bool // every peer owed every message
	}{
		{scenario.PatternPushPull, 2, false},
		{scenario.PatternBus, 3, true},
		{scenario.PatternPair, 1, true},
		{scenario.PatternPubSub, 2, true},
	} {
		t.Run(string(tc.pattern), func(t *testing.T) {
			t.Parallel()
			o := run(t, load.Spec{Spec: engine.Spec{Pattern: tc.pattern, Rate: 1000, Duration: time.Second, Warmup: 100 * time.Millisecond, Size: scenario.SizeRange{Min: 64, Max: 1024}, Seed: 3}, Peers: tc.peers, Procs: procs(t)})
			send, recv := snapshots(o)
			if o.Loss.Lost != 0 || o.Loss.Duplicated != 0 || o.Loss.Sent == 0 {
				t.Errorf("loss %+v, want none of something sent", o.Loss)
			}
			want := send.Sent
			if tc.each {
				want *= int64(tc.peers)
			}
			if send.Sent == 0 || recv.Received != want {
				t.Fatalf("sent %d, received %d, want %d", send.Sent, recv.Received, want)
			}
			if n := o.Recv.Histogram().TotalCount(); n != recv.Received {
				t.Errorf("%d latencies for %d messages", n, recv.Received)
			}
			if len(o.Peers) != tc.peers {
				t.Fatalf("%d peers accounted, want %d", len(o.Peers), tc.peers)
			}
			for _, p := range o.Peers {
				if p.Received == 0 || tc.each && p.Received != o.Loss.Sent {
					t.Errorf("peer %d received %d of %d", p.Peer, p.Received, o.Loss.Sent)
				}
			}
			// Sane: measured, not clamped (a clock read wrong would be), and well under the grace.
			if recv.Clamped != 0 || recv.Latency.P50 <= 0 || recv.Latency.Max > float64(time.Second/time.Microsecond) {
				t.Errorf("latency %+v, clamped %d", recv.Latency, recv.Clamped)
			}
			if tc.each && tc.peers > 1 && o.Last.Snapshot(o.End).Received != send.Sent {
				t.Errorf("time-to-last for %d of %d messages", o.Last.Snapshot(o.End).Received, send.Sent)
			}
		})
	}
}

// Repliers and respondents in processes: every request answered, every survey answered by all.
func TestProcsEcho(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern scenario.Pattern
		peers   int
	}{
		{scenario.PatternReqRep, 2},
		{scenario.PatternSurvey, 2},
	} {
		t.Run(string(tc.pattern), func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			seen := map[int]int{}
			o := run(t, load.Spec{Spec: engine.Spec{Pattern: tc.pattern, Rate: 200, Concurrency: 2, Duration: time.Second, Observe: func(peer int, _ engine.Stamp) {
				mu.Lock()
				seen[peer]++
				mu.Unlock()
			}}, Peers: tc.peers, Procs: procs(t)})
			send, recv := snapshots(o)
			if send.Sent == 0 || recv.Timeouts != 0 || recv.Errors != 0 || o.Loss.Lost != 0 {
				t.Fatalf("sent %d, timeouts %d, errors %d, loss %+v", send.Sent, recv.Timeouts, recv.Errors, o.Loss)
			}
			if tc.pattern == scenario.PatternSurvey {
				if o.Survey.Share != 1 {
					t.Errorf("survey answered %v, want all", o.Survey)
				}
				mu.Lock()
				defer mu.Unlock()
				for p := range tc.peers {
					if int64(seen[p]) != o.Loss.Sent {
						t.Errorf("respondent %d observed %d surveys of %d", p, seen[p], o.Loss.Sent)
					}
				}
			}
		})
	}
}

// Peer processes get the same kill as in-process ones: the lost sequences are exactly those sent
// that no puller got, as the pullers' own logs say.
func TestProcsKilledPullerShowsLoss(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	got := map[uint64]bool{}
	o := run(t, load.Spec{Spec: engine.Spec{Pattern: scenario.PatternPushPull, Rate: 4000, Duration: time.Second, Size: scenario.SizeRange{Min: 64, Max: 64}, Grace: 300 * time.Millisecond, Observe: func(_ int, s engine.Stamp) {
		mu.Lock()
		got[s.Seq] = true
		mu.Unlock()
	}}, Peers: 2, Procs: procs(t), Kill: &load.Kill{Peer: 1, At: 500 * time.Millisecond, Hang: 100 * time.Millisecond}})
	var want []uint64
	for q := uint64(0); q < uint64(o.Loss.Sent); q++ {
		if !got[q] {
			want = append(want, q)
		}
	}
	if len(want) == 0 {
		t.Fatalf("no message lost to the killed puller (loss %+v)", o.Loss)
	}
	if !slices.Equal(o.Loss.Missing, want) {
		t.Fatalf("lost %d, want %d %v", o.Loss.Lost, len(want), want)
	}
}

// A peer program that is not there fails the run before anything is sent.
func TestProcsBadProgram(t *testing.T) {
	t.Parallel()
	_, err := load.Run(t.Context(), load.Spec{Spec: engine.Spec{Pattern: scenario.PatternPushPull, Rate: 100, Duration: time.Second}, Procs: &peer.Procs{Bin: t.TempDir() + "/missing"}})
	if err == nil {
		t.Fatal("Run with a missing peer program: no error")
	}
	_, err = load.Run(t.Context(), load.Spec{Spec: engine.Spec{Pattern: scenario.PatternPushPull, Rate: 100, Duration: time.Second}, Procs: &peer.Procs{}})
	if !errors.Is(err, load.ErrSpec) {
		t.Fatalf("Run without a peer program: %v, want ErrSpec", err)
	}
}

// harnessEnv makes the test binary the harness of TestKilledHarnessLeavesNoPeer.
const harnessEnv = "NNGBENCH_LOAD_TEST_HARNESS"

// harnessMain runs a long load with two peer processes, printing their pids, until killed.
func harnessMain() int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := load.Run(ctx, load.Spec{Spec: engine.Spec{Pattern: scenario.PatternPushPull, Rate: 100, Duration: time.Minute}, Peers: 2, Procs: &peer.Procs{Bin: os.Getenv(harnessEnv), Stderr: os.Stderr, Started: func(_, pid int) {
		fmt.Printf("pid %d\n", pid)
	}}})
	fmt.Fprintln(os.Stderr, "harness:", err)
	return 1
}

// Killing the harness (SIGKILL: no cleanup of its own) leaves no peer process behind.
func TestKilledHarnessLeavesNoPeer(t *testing.T) {
	t.Parallel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run", "^$")
	cmd.Env = append(os.Environ(), harnessEnv+"="+nngbench)
	cmd.Stderr = testWriter{t}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var pids []int
	sc := bufio.NewScanner(out)
	for len(pids) < 2 && sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "pid "); ok {
			pid, err := strconv.Atoi(p)
			if err != nil {
				t.Fatal(err)
			}
			pids = append(pids, pid)
		}
	}
	if len(pids) < 2 {
		t.Fatalf("harness printed %d peer pids (%v)", len(pids), sc.Err())
	}
	for _, pid := range pids {
		if !alive(pid) {
			t.Fatalf("peer %d not running before the kill: the test proves nothing", pid)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	wait.Until(t, 5*time.Second, "peers gone after the harness was killed", func() bool {
		return !slices.ContainsFunc(pids, alive)
	})
}

// alive says whether pid runs; a zombie (dead, not yet reaped by whoever adopted it) does not.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	// The state follows the command name in parentheses, which may itself hold ") ".
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
