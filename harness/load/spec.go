package load

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/peer"
	"github.com/nngbench/nngbench/harness/scenario"
)

// DefaultConnect bounds the wait for the peers to attach before a run starts.
const DefaultConnect = 5 * time.Second

// ErrSpec is wrapped by every error Spec.Validate returns.
var ErrSpec = errors.New("load: bad spec")

// Spec is one raw-mode run: the load every driver shares, and the peers,
// transport and failures only raw mode has.
type Spec struct {
	// Spec is the load. Concurrency defaults to 1 sender; sizes below
	// engine.StampSize are raised to it. Timeout also bounds each blocking
	// send (a request up to a tenth of Timeout longer: a watchdog times
	// requests out, not mangos); one way, open or closed loop, sends block
	// for as long as the peers push back (a deadline would cost mangos a
	// timer per send) and the hub closes if one still blocks Timeout after
	// the end.
	engine.Spec
	// Transport is how the peers reach the hub: tcp (the default), tls+tcp (mutual TLS, with a
	// CA and certificates made for the run and thrown away after it), ipc (a Unix socket in a
	// temporary folder) or inproc (in memory: peers in this process only, Procs nil).
	Transport scenario.Transport
	// Peers is how many receivers (pullers, subscribers, repliers, respondents, bus nodes) the
	// sender talks to; default 1, and always 1 for pair.
	Peers int
	// Kill closes one receiver mid-run, as a crashed peer would; nil kills none.
	Kill *Kill
	// Silent lists peers (0-based) that read every request (survey) and never answer, reqrep and
	// survey only: each of their surveys is lost for them, each request sent to them times out.
	// Nil: all answer.
	Silent []int
	// ServiceTime, reqrep only, makes each replier serve one request at a time, taking this
	// long for each (peer.Service): a capacity of 1/ServiceTime per replier. 0: echo at once.
	ServiceTime time.Duration
	// Procs, if set, runs the peers (receivers, repliers, respondents) as processes of their
	// own, `nngbench peer`; nil runs them as goroutines of this process. The figures mean the
	// same either way.
	Procs *peer.Procs
	// Via, if set, is asked for the address the peers dial instead of hub, the hub's own: a
	// proxy in front of it, say. undo, if not nil, is called once the run is over.
	Via func(hub string) (addr string, undo func(), err error)

	// noHistory, for the benchmark of the history's own cost only, records
	// no op: the Outcome then has counts of sends and receipts and no figure.
	noHistory bool
}

// Kill stops receiver Peer (0-based) At after the start of the run (warmup included): it stops
// reading, as a hung process would, and its socket closes Hang later (0: at once, as a crash).
// What mangos had queued for it then is lost: a mangos Close has no linger.
type Kill struct {
	Peer int
	At   time.Duration
	Hang time.Duration
}

// withDefaults fills in the zero fields.
func (s Spec) withDefaults() Spec {
	if s.Transport == "" {
		s.Transport = scenario.TransportTCP
	}
	s.Concurrency = max(s.Concurrency, 1)
	s.Peers = max(s.Peers, 1)
	if s.Pattern == scenario.PatternPair {
		s.Peers = 1 // a pair has exactly one peer
	}
	s.Spec = s.WithDefaults()
	return s
}

// Validate returns every problem of s, joined.
func (s Spec) Validate() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrSpec}, a...)...))
	}
	if _, ok := kinds[s.Pattern]; !ok {
		bad("pattern %q has no raw driver", s.Pattern)
	}
	errs = append(errs, s.Problems(ErrSpec)...)
	if s.Kill != nil && (s.Kill.Peer < 0 || s.Kill.Peer >= max(s.Peers, 1)) {
		bad("kill peer %d: not one of %d peers", s.Kill.Peer, max(s.Peers, 1))
	}
	for _, p := range s.Silent {
		if (s.Pattern != scenario.PatternSurvey && s.Pattern != scenario.PatternReqRep) || p < 0 || p >= max(s.Peers, 1) {
			bad("silent peer %d: not one of %d repliers or respondents", p, max(s.Peers, 1))
		}
	}
	if s.ServiceTime < 0 || (s.ServiceTime > 0 && s.Pattern != scenario.PatternReqRep) {
		bad("service time %v: only reqrep's repliers have one, and it must be >= 0", s.ServiceTime)
	}
	if s.Procs != nil && s.Procs.Bin == "" {
		bad("procs: no program to run the peers with")
	}
	switch s.Transport {
	case "", scenario.TransportTCP, scenario.TransportTLSTCP, scenario.TransportIPC:
	case scenario.TransportInproc:
		if s.Procs != nil {
			bad("transport inproc: sockets meet in memory, so the peers cannot be processes (leave Procs nil)")
		}
	default:
		bad("transport %q: unknown", s.Transport)
	}
	return errors.Join(errs...)
}

// peerOptions are the options of peer process i of s, dialling addr.
func (s Spec) peerOptions(addr string, i int) peer.Options {
	return peer.Options{Pattern: s.Pattern, Role: peer.Role(s.Pattern), Addr: addr, Index: i,
		Concurrency: s.Concurrency, Silent: slices.Contains(s.Silent, i), ServiceTime: s.ServiceTime,
		Max: peer.MaxFor(s.Warmup + s.Duration + s.Grace + s.Timeout)}
}
