package peer

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

// Procs runs a raw run's peers as processes of their own, `Bin peer ...` each (see Serve), as
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
	// Report bounds the wait for a peer's report after "stop"; it is killed after.
	ReportWait = 30 * time.Second
	// procMargin is added to a run's length to bound a peer that is never stopped.
	procMargin = time.Minute
)

// ErrProcess is wrapped by errors about a peer process.
var ErrProcess = errors.New("peer: process failed")

// Proc is one running peer process, spoken to through its stdin and stdout.
type Proc struct {
	index  int
	cmd    *exec.Cmd
	mu     sync.Mutex // stdin
	stdin  io.WriteCloser
	events chan peerEvent // ready and count, from the reader; closed at the end of stdout
	report chan Report    // at most one, from the reader
	done   chan struct{}  // closed once the process is reaped
	err    error          // how it ended; read after done
	tail   *tailWriter
}

// Report is a peer's report and its arrival logs, or why there is none.
type Report struct {
	*peerReport
	blocks [][]byte
	err    error
}

// Args is the command line of `nngbench peer` for o.
func Args(o Options) []string {
	args := []string{"peer", "--pattern", string(o.Pattern), "--role", o.Role, "--addr", o.Addr,
		"--index", strconv.Itoa(o.Index), "--concurrency", strconv.Itoa(o.Concurrency), "--max", o.Max.String()}
	if o.Silent {
		args = append(args, "--silent")
	}
	if o.ServiceTime > 0 {
		args = append(args, "--service-time", o.ServiceTime.String())
	}
	return args
}

// MaxFor bounds a peer of a run that lasts d (warmup, window, drain and
// timeouts): it ends by itself that long after, plus a margin, if never told.
func MaxFor(d time.Duration) time.Duration { return d + DefaultConnect + procMargin }

// Start starts peer i, `p.Bin args...`, with env added to the environment: its stdout is read by
// a goroutine of its own until the end, which then reaps the process.
func Start(p *Procs, i int, args, env []string) (*Proc, error) {
	cmd := exec.Command(p.Bin, args...) //nolint:gosec // the harness runs its own program
	cmd.SysProcAttr = dieWithParent()
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	pp := &Proc{index: i, cmd: cmd, events: make(chan peerEvent, 4), report: make(chan Report, 1),
		done: make(chan struct{}), tail: &tailWriter{w: p.Stderr, wMu: &p.stderrMu}}
	cmd.Stderr = pp.tail
	var err error
	if pp.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("peer %d: %w", i, err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("peer %d: %w", i, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("peer: start %d: %w", i, err)
	}
	go pp.read(bufio.NewReaderSize(out, 1<<16))
	return pp, nil
}

// read takes the peer's events until its stdout ends, then reaps it: exec wants every read done
// before Wait.
func (p *Proc) read(r *bufio.Reader) {
	defer func() {
		err := p.cmd.Wait()
		if err != nil {
			err = fmt.Errorf("%w: peer %d: %w%s", ErrProcess, p.index, err, p.tail.String())
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
				p.report <- Report{err: fmt.Errorf("%w: peer %d ended without a report%s", ErrProcess, p.index, p.tail.String())}
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
func readBlocks(r io.Reader, rep *peerReport, i int) Report {
	out := Report{peerReport: rep}
	for _, n := range rep.Blocks {
		if n < 0 || n > maxLogBlock {
			out.err = fmt.Errorf("%w: peer %d: block of %d bytes", ErrLog, i, n)
			return out
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			out.err = fmt.Errorf("%w: peer %d: %w", ErrLog, i, err)
			return out
		}
		out.blocks = append(out.blocks, b)
	}
	return out
}

// send writes one command; a peer that has gone makes it fail.
// Hang tells the peer to stop reading and keep its socket open, as a hung process would.
func (p *Proc) Hang() error { return p.send(cmdHang) }

// Close tells the peer to close its socket, as a crash would.
func (p *Proc) Close() error { return p.send(cmdClose) }

// Ready waits up to d for the peer to say its socket is attached.
func (p *Proc) Ready(d time.Duration) error {
	_, err := p.await(evReady, d)
	return err
}

// Pid is the peer's process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Err is why the peer has no report, or how it ended badly; nil when all went well.
func (r Report) Err() error { return r.err }

func (p *Proc) send(cmd string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(p.stdin, cmd+"\n"); err != nil {
		return fmt.Errorf("%w: peer %d: %s: %w", ErrProcess, p.index, cmd, err)
	}
	return nil
}

// await waits for the next event of kind ev.
func (p *Proc) await(ev string, d time.Duration) (peerEvent, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case e, ok := <-p.events:
			if !ok {
				<-p.done
				return e, fmt.Errorf("%w: peer %d exited waiting for %q: %w%s", ErrProcess, p.index, ev, p.err, p.tail.String())
			}
			if e.Event == ev {
				return e, nil
			}
		case <-t.C:
			return peerEvent{}, fmt.Errorf("%w: peer %d: no %q in %v", ErrProcess, p.index, ev, d)
		}
	}
}

// Count asks how many messages the peer has, copies included; -1 if it cannot say.
func (p *Proc) Count() int64 {
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
func (p *Proc) Stop() Report {
	_ = p.send(cmdStop) // a peer that has gone reports nothing, said below
	p.mu.Lock()
	_ = p.stdin.Close()
	p.mu.Unlock()
	t := time.NewTimer(ReportWait)
	defer t.Stop()
	var rep Report
	select {
	case rep = <-p.report:
	case <-t.C:
		rep.err = fmt.Errorf("%w: peer %d: no report in %v", ErrProcess, p.index, ReportWait)
	}
	t.Reset(procReply) // it exits once it has reported
	select {
	case <-p.done:
		if rep.err == nil {
			rep.err = p.err
		}
	case <-t.C:
		p.Kill()
	}
	return rep
}

// kill ends the process if it still runs and waits until it is reaped.
func (p *Proc) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill() // it may have exited since: then the error says so, and done follows
	<-p.done
}

// Replay turns a peer's report into the tape an in-process receiver would have recorded: a
// receipt per arrival, in order, with observe called for every message, and its errors as
// foreign receipts at end (the peer does not say when).
func (r Report) Replay(end time.Time, observe func(int, engine.Stamp)) ([]history.Op, error) {
	if r.peerReport == nil {
		return nil, r.err
	}
	peer := int32(r.Peer)                                         //nolint:gosec // Peer < Spec.Peers
	tape := make([]history.Op, 0, min(max(r.Arrivals, 0), 1<<20)) // a report's counts are not trusted with memory
	for range r.Errors {
		tape = append(tape, history.ForeignOp(peer, end.UnixNano()))
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
