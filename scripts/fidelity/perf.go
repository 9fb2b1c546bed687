package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// perfPkg is mangos' perf tool, built from the module cache at the version go.mod requires.
const perfPkg = "go.nanomsg.org/mangos/v3/perf"

// bins are the two programs compared.
type bins struct{ nngbench, perf string }

// build compiles nngbench and the perf tool into dir, from the module this runs in.
func build(ctx context.Context, dir string) (bins, error) {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return bins{}, fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	b := bins{nngbench: filepath.Join(dir, "nngbench"), perf: filepath.Join(dir, "perf")}
	for out, pkg := range map[string]string{b.nngbench: "./cmd/nngbench", b.perf: perfPkg} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = root
		if msg, err := cmd.CombinedOutput(); err != nil {
			return bins{}, fmt.Errorf("build %s: %w\n%s", pkg, err, msg)
		}
	}
	return b, nil
}

// perfThroughput runs local_thr counting count messages of size against remote_thr sending 20%
// more: mangos has no linger, so a sender that stops at count can leave local_thr waiting for
// its tail forever. remote_thr is stopped once local_thr has printed. Returns msgs/s.
func perfThroughput(ctx context.Context, perf string, size, count int, timeout time.Duration) (float64, error) {
	out, err := perfPair(ctx, perf, timeout, []string{"local_thr", "", strconv.Itoa(size), strconv.Itoa(count)},
		[]string{"remote_thr", "", strconv.Itoa(size), strconv.Itoa(count + count/5)})
	if err != nil {
		return 0, err
	}
	return parse(out, `throughput: (\d+) \[msg/s\]`)
}

// perfRoundTrip runs remote_reqlat for n round trips against local_reqlat serving one more;
// returns the mean in µs. local_reqlat closes after its last reply, without linger: serving
// exactly n, it can drop the last reply and leave remote_reqlat waiting for it (1 in 15 runs
// here). It is stopped once remote_reqlat has printed.
func perfRoundTrip(ctx context.Context, perf string, size, n int, timeout time.Duration) (float64, error) {
	out, err := perfPair(ctx, perf, timeout, []string{"local_reqlat", "", strconv.Itoa(size), strconv.Itoa(n + 1)},
		[]string{"remote_reqlat", "", strconv.Itoa(size), strconv.Itoa(n)})
	if err != nil {
		return 0, err
	}
	return parse(out, `average RTT: ([0-9.]+) \[us\]`)
}

// perfPair starts the local side (which listens) on a free port, then the remote side once the
// port accepts, and returns the output of whichever side reports: local_thr or remote_reqlat.
// Both are stopped and reaped before it returns. The address goes in each args[1].
func perfPair(ctx context.Context, perf string, timeout time.Duration, local, remote []string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	local[1], remote[1] = "tcp://"+addr, "tcp://"+addr
	l, err := startPerf(perf, local)
	if err != nil {
		return "", err
	}
	defer l.stop()
	if err := waitListening(ctx, addr, l); err != nil {
		return "", err
	}
	r, err := startPerf(perf, remote)
	if err != nil {
		return "", err
	}
	defer r.stop()
	reporter := l // local_thr reports; for the round trip, remote_reqlat does
	if local[0] == "local_reqlat" {
		reporter = r
	}
	select {
	case <-reporter.done:
	case <-ctx.Done():
		return "", fmt.Errorf("perf %s: no result: %w", reporter.args[0], ctx.Err())
	}
	if reporter.err != nil {
		return "", fmt.Errorf("perf %s: %w\n%s", reporter.args[0], reporter.err, reporter.out.String())
	}
	return reporter.out.String(), nil
}

// perfProc is one perf process; out and err are read after done.
type perfProc struct {
	args []string
	cmd  *exec.Cmd
	out  *bytes.Buffer
	done chan struct{}
	err  error
	once sync.Once
}

func startPerf(perf string, args []string) (*perfProc, error) {
	p := &perfProc{args: args, cmd: exec.Command(perf, args...), out: &bytes.Buffer{}, done: make(chan struct{})} //nolint:gosec // our build
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start perf %s: %w", args[0], err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	return p, nil
}

// stop kills the process if it still runs and waits until it is reaped.
func (p *perfProc) stop() {
	p.once.Do(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
}

// waitListening polls addr until it accepts a connection, p exits or ctx ends. The probe's
// connection fails its handshake and is dropped, without a pipe.
func waitListening(ctx context.Context, addr string, p *perfProc) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			return c.Close()
		}
		select {
		case <-p.done:
			return fmt.Errorf("perf %s exited before listening: %w\n%s", p.args[0], p.err, p.out.String())
		case <-ctx.Done():
			return fmt.Errorf("perf %s: not listening on %s: %w", p.args[0], addr, ctx.Err())
		case <-tick.C:
		}
	}
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

var errNoFigure = errors.New("perf printed no figure")

// parse takes the first number the pattern captures in out.
func parse(out, pattern string) (float64, error) {
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("%w (%s):\n%s", errNoFigure, pattern, out)
	}
	return strconv.ParseFloat(m[1], 64)
}
