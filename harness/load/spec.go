package load

import (
	"errors"
	"fmt"
	"time"

	"github.com/nngbench/nngbench/harness/scenario"
)

// Defaults of Spec.
const (
	DefaultGrace   = time.Second
	DefaultTimeout = time.Second
	DefaultConnect = 5 * time.Second
)

// ErrSpec is wrapped by every error Spec.Validate returns.
var ErrSpec = errors.New("load: bad spec")

// Spec is one raw-mode run.
type Spec struct {
	Pattern scenario.Pattern
	// Transport is how the peers reach the hub: tcp (the default), tls+tcp (mutual TLS, with a
	// CA and certificates made for the run and thrown away after it), ipc (a Unix socket in a
	// temporary folder) or inproc (in memory: peers in this process only, Procs nil).
	Transport scenario.Transport
	// Rate is messages (requests) per second over all senders; 0 runs closed loop.
	Rate float64
	// Concurrency is how many sender goroutines share the schedule (open loop) or how many
	// messages are in flight (closed loop); default 1.
	Concurrency int
	// Size is each payload's size in bytes, drawn per message; below StampSize it is raised to it.
	// Default scenario.DefaultSize.
	Size scenario.SizeRange
	// Duration is the measured window; Warmup comes before it and is counted apart.
	Duration, Warmup time.Duration
	// Peers is how many receivers (pullers, subscribers, repliers, respondents, bus nodes) the
	// sender talks to; default 1, and always 1 for pair.
	Peers int
	// Seed seeds the payload sizes.
	Seed int64
	// Grace bounds the drain after the last send: receivers get until then to catch up before the
	// sockets close. Default DefaultGrace.
	Grace time.Duration
	// Timeout bounds each blocking send, and how long a request or survey waits for replies (a
	// request up to a tenth of Timeout longer: a watchdog times requests out, not mangos).
	// Closed loop, one way, sends block for as long as the peers push back (that is what the
	// loop measures) and the hub closes if one still blocks Timeout after the end.
	// Default DefaultTimeout.
	Timeout time.Duration
	// ExpectedInterval is, closed loop only, how often one in-flight slot would send if nothing
	// stalled: replies are recorded with ReceivedClosedLoop, which fills in the requests a stall
	// held back. 0 fills in nothing (corrected = uncorrected).
	ExpectedInterval time.Duration
	// Kill closes one receiver mid-run, as a crashed peer would; nil kills none.
	Kill *Kill
	// Silent lists peers (0-based) that read every request (survey) and never answer, reqrep and
	// survey only: each of their surveys is lost for them, each request sent to them times out.
	// Nil: all answer.
	Silent []int
	// Observe, if set, is called by every receiver for every stamped message it gets, from the
	// receivers' goroutines: it must be safe for concurrent use. For tests and live checks.
	// With Procs, for one-way patterns and survey, it is called once the run is over, in each
	// peer's order of arrival.
	Observe func(peer int, s Stamp)
	// Procs, if set, runs the peers (receivers, repliers, respondents) as processes of their
	// own, `nngbench peer`; nil runs them as goroutines of this process. The figures mean the
	// same either way.
	Procs *Procs
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
	if s.Size == (scenario.SizeRange{}) {
		s.Size = scenario.SizeRange{Min: scenario.DefaultSize, Max: scenario.DefaultSize}
	}
	if s.Grace <= 0 {
		s.Grace = DefaultGrace
	}
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	return s
}

// ScheduleProblems returns what is wrong with the fields every driver, raw
// or impl, reads alike (rate, duration, warmup, size), each wrapping kind.
func (s Spec) ScheduleProblems(kind error) []error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{kind}, a...)...))
	}
	if !(s.Rate >= 0) {
		bad("rate %v: must be >= 0", s.Rate)
	}
	if s.Duration <= 0 {
		bad("duration %v: must be > 0", s.Duration)
	}
	if s.Warmup < 0 {
		bad("warmup %v: must be >= 0", s.Warmup)
	}
	if s.Size.Max < s.Size.Min {
		bad("size %v: max below min", s.Size)
	}
	return errs
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
	errs = append(errs, s.ScheduleProblems(ErrSpec)...)
	if s.Kill != nil && (s.Kill.Peer < 0 || s.Kill.Peer >= max(s.Peers, 1)) {
		bad("kill peer %d: not one of %d peers", s.Kill.Peer, max(s.Peers, 1))
	}
	for _, p := range s.Silent {
		if (s.Pattern != scenario.PatternSurvey && s.Pattern != scenario.PatternReqRep) || p < 0 || p >= max(s.Peers, 1) {
			bad("silent peer %d: not one of %d repliers or respondents", p, max(s.Peers, 1))
		}
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
