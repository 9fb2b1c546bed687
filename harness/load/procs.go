package load

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/history"
)

// Procs runs a Spec's peers as processes of their own, `Bin peer ...` each (see ServePeer), as
// separate machines would run them; the hub (the senders) stays in the calling process. Each
// peer records what it receives in its own process; the run merges them.
type Procs struct {
	// Bin is the path of the nngbench program. Required.
	Bin string
	// Stderr receives the peers' standard error, one write at a time, so several peers can
	// share a log; nil discards it. The end of it goes into the error about a peer that failed
	// either way.
	Stderr io.Writer
	// Started, if set, is told each peer's process id once it is attached and ready: to
	// watch for orphans.
	Started func(peer, pid int)

	stderrMu sync.Mutex // the peers' writes to Stderr, which come from a goroutine each
}

// Peer processes' time limits.
const (
	// procReply bounds the wait for a peer's answer to a command.
	procReply = 5 * time.Second
	// procReport bounds the wait for a peer's report after "stop"; it is killed after.
	procReportWait = 30 * time.Second
	// procMargin is added to a run's length to bound a peer that is never stopped.
	procMargin = time.Minute
)

// ErrPeerProcess is wrapped by errors about a peer process.
var ErrPeerProcess = errors.New("load: peer process failed")

// peerProc is one running peer process, spoken to through its stdin and stdout.
type peerProc struct {
	index  int
	cmd    *exec.Cmd
	mu     sync.Mutex // stdin
	stdin  io.WriteCloser
	events chan peerEvent  // ready and count, from the reader; closed at the end of stdout
	report chan procReport // at most one, from the reader
	done   chan struct{}   // closed once the process is reaped
	err    error           // how it ended; read after done
	tail   *tailWriter
}

// procReport is a peer's report and its arrival logs, or why there is none.
type procReport struct {
	*peerReport
	blocks [][]byte
	err    error
}

// peerArgs is the command line of peer i of spec, dialling addr.
func peerArgs(spec Spec, k kind, addr string, i int) []string {
	args := []string{"peer", "--pattern", string(spec.Pattern), "--role", k.peerName, "--addr", addr,
		"--index", strconv.Itoa(i), "--concurrency", strconv.Itoa(spec.Concurrency),
		"--max", (spec.Warmup + spec.Duration + spec.Grace + spec.Timeout + DefaultConnect + procMargin).String()}
	for _, s := range spec.Silent {
		if s == i {
			args = append(args, "--silent")
		}
	}
	return args
}

// startProc starts peer i, with env added to the environment: its stdout is read by a
// goroutine of its own until the end, which then reaps the process.
func startProc(p *Procs, i int, args, env []string) (*peerProc, error) {
	cmd := exec.Command(p.Bin, args...) //nolint:gosec // the harness runs its own program
	cmd.SysProcAttr = dieWithParent()
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	pp := &peerProc{index: i, cmd: cmd, events: make(chan peerEvent, 4), report: make(chan procReport, 1),
		done: make(chan struct{}), tail: &tailWriter{w: p.Stderr, wMu: &p.stderrMu}}
	cmd.Stderr = pp.tail
	var err error
	if pp.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("load: peer %d: %w", i, err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("load: peer %d: %w", i, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("load: start peer %d: %w", i, err)
	}
	go pp.read(bufio.NewReaderSize(out, 1<<16))
	return pp, nil
}

// read takes the peer's events until its stdout ends, then reaps it: exec wants every read done
// before Wait.
func (p *peerProc) read(r *bufio.Reader) {
	defer func() {
		err := p.cmd.Wait()
		if err != nil {
			err = fmt.Errorf("%w: peer %d: %w%s", ErrPeerProcess, p.index, err, p.tail.String())
		}
		p.err = err
		close(p.done)
	}()
	defer close(p.events)
	reported := false
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			if !reported {
				p.report <- procReport{err: fmt.Errorf("%w: peer %d ended without a report%s", ErrPeerProcess, p.index, p.tail.String())}
			}
			return
		}
		var ev peerEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			continue // not ours: a stray line is no reason to lose the run
		}
		if ev.Event != evReport || ev.Report == nil || reported {
			select {
			case p.events <- ev:
			default: // nobody asked for it
			}
			continue
		}
		reported = true
		p.report <- readBlocks(r, ev.Report, p.index)
	}
}

// readBlocks reads the arrival logs that follow a report line.
func readBlocks(r io.Reader, rep *peerReport, i int) procReport {
	out := procReport{peerReport: rep}
	for _, n := range rep.Blocks {
		if n < 0 || n > maxLogBlock {
			out.err = fmt.Errorf("%w: peer %d: block of %d bytes", ErrPeerLog, i, n)
			return out
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			out.err = fmt.Errorf("%w: peer %d: %w", ErrPeerLog, i, err)
			return out
		}
		out.blocks = append(out.blocks, b)
	}
	return out
}

// send writes one command; a peer that has gone makes it fail.
func (p *peerProc) send(cmd string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(p.stdin, cmd+"\n"); err != nil {
		return fmt.Errorf("%w: peer %d: %s: %w", ErrPeerProcess, p.index, cmd, err)
	}
	return nil
}

// await waits for the next event of kind ev.
func (p *peerProc) await(ev string, d time.Duration) (peerEvent, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case e, ok := <-p.events:
			if !ok {
				<-p.done
				return e, fmt.Errorf("%w: peer %d exited waiting for %q: %w%s", ErrPeerProcess, p.index, ev, p.err, p.tail.String())
			}
			if e.Event == ev {
				return e, nil
			}
		case <-t.C:
			return peerEvent{}, fmt.Errorf("%w: peer %d: no %q in %v", ErrPeerProcess, p.index, ev, d)
		}
	}
}

// received asks how many messages the peer has; -1 if it cannot say.
func (p *peerProc) received() int64 {
	if p.send(cmdCount) != nil {
		return -1
	}
	ev, err := p.await(evCount, procReply)
	if err != nil {
		return -1
	}
	return ev.Count
}

// stop asks for the report, and returns it once the process is reaped; a peer that does not
// report in time is killed.
func (p *peerProc) stop() procReport {
	_ = p.send(cmdStop) // a peer that has gone reports nothing, said below
	p.mu.Lock()
	_ = p.stdin.Close()
	p.mu.Unlock()
	t := time.NewTimer(procReportWait)
	defer t.Stop()
	var rep procReport
	select {
	case rep = <-p.report:
	case <-t.C:
		rep.err = fmt.Errorf("%w: peer %d: no report in %v", ErrPeerProcess, p.index, procReportWait)
	}
	t.Reset(procReply) // it exits once it has reported
	select {
	case <-p.done:
		if rep.err == nil {
			rep.err = p.err
		}
	case <-t.C:
		p.kill()
	}
	return rep
}

// kill ends the process if it still runs and waits until it is reaped.
func (p *peerProc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill() // it may have exited since: then the error says so, and done follows
	<-p.done
}

// replay turns a peer's report into the tape an in-process receiver would have recorded: a
// receipt per arrival, in order, with observe called for every message, and its errors as
// foreign receipts at end (the peer does not say when).
func (r procReport) replay(end time.Time, observe func(int, engine.Stamp)) ([]history.Op, error) {
	if r.peerReport == nil {
		return nil, r.err
	}
	peer := int32(r.Peer)                                         //nolint:gosec // Peer < Spec.Peers
	tape := make([]history.Op, 0, min(max(r.Arrivals, 0), 1<<20)) // a report's counts are not trusted with memory
	for range r.Errors {
		tape = append(tape, foreign(peer, end.UnixNano()))
	}
	for _, b := range r.blocks {
		err := decodeArrivals(b, func(a arrival) {
			if observe != nil {
				observe(r.Peer, a.stamp())
			}
			tape = append(tape, history.ReceiptOp(a.sender, a.seq, peer, a.at, a.bytes))
		})
		if err != nil {
			return tape, errors.Join(r.err, fmt.Errorf("peer %d: %w", r.Peer, err))
		}
	}
	return tape, r.err
}

// tailWriter keeps the last bytes written to it, for errors, and passes everything on to w.
type tailWriter struct {
	mu  sync.Mutex // buf
	buf []byte
	w   io.Writer
	wMu *sync.Mutex // w, which other peers' tails write to as well
}

const tailSize = 2048

func (t *tailWriter) Write(b []byte) (int, error) {
	t.mu.Lock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > tailSize {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailSize:]...)
	}
	t.mu.Unlock()
	if t.w != nil {
		t.wMu.Lock()
		_, _ = t.w.Write(b) // a failing log must not fail the peer
		t.wMu.Unlock()
	}
	return len(b), nil
}

// String is the tail as the end of an error message: "" or ": <stderr>".
func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) == 0 {
		return ""
	}
	return "; stderr: " + string(t.buf)
}
