package breaker

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nngbench/nngbench/impl/clock"
)

// State is the position of a Breaker.
type State int

// The breaker states.
const (
	// Closed lets every request through and counts consecutive failures.
	Closed State = iota
	// Open refuses every request until ResetTimeout has passed.
	Open
	// HalfOpen admits up to HalfOpenProbes requests to test the dependency.
	HalfOpen
)

// String returns "closed", "open" or "half-open".
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	default:
		return fmt.Sprintf("State(%d)", int(s))
	}
}

// ErrOpen is wrapped by every *OpenError.
var ErrOpen = errors.New("breaker: open")

// OpenError is what Allow returns while the breaker is open, or half-open with
// every probe slot taken; errors.Is(err, ErrOpen) holds.
type OpenError struct {
	// Name is the breaker's name.
	Name string
	// RetryAt is when the breaker admits probes: the time it opened plus
	// ResetTimeout. While half-open with every probe out it is already past,
	// and the caller must wait for a probe's outcome.
	RetryAt time.Time
}

// Error reports the breaker's name and RetryAt in RFC 3339 with nanoseconds.
func (e *OpenError) Error() string {
	return fmt.Sprintf("%v for %s until %s", ErrOpen, e.Name, e.RetryAt.Format(time.RFC3339Nano))
}

// Unwrap returns ErrOpen.
func (e *OpenError) Unwrap() error { return ErrOpen }

// Breaker is a circuit breaker. Callers ask Allow before a request and report
// its outcome with Success or Failure. A Breaker is safe for concurrent use.
type Breaker struct {
	name string
	cfg  Config
	clk  clock.Clock

	mu       sync.Mutex
	state    State
	failures int       // consecutive failures while closed
	retryAt  time.Time // when an open breaker turns half-open
	probes   int       // probes admitted in the current half-open period
	trips    uint64
	pending  []transition // transitions not yet passed to OnStateChange
	notifier bool         // a goroutine is delivering pending transitions
}

type transition struct{ from, to State }

// New returns a closed Breaker named name. cfg is validated after
// WithDefaults; a nil clk means clock.Real().
func New(name string, cfg Config, clk clock.Clock) (*Breaker, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if clk == nil {
		clk = clock.Real()
	}
	return &Breaker{name: name, cfg: cfg, clk: clk}, nil
}

// Name returns the name given to New.
func (b *Breaker) Name() string { return b.name }

// Allow returns nil when a request may go, and an *OpenError when it may not.
// An open breaker turns half-open once ResetTimeout has passed; half-open, it
// admits at most HalfOpenProbes requests until one of them reports back.
func (b *Breaker) Allow() error {
	b.mu.Lock()
	b.expireLocked()
	var err error
	switch b.state {
	case Closed:
	case Open:
		err = &OpenError{Name: b.name, RetryAt: b.retryAt}
	case HalfOpen:
		if b.probes < b.cfg.HalfOpenProbes {
			b.probes++
		} else {
			err = &OpenError{Name: b.name, RetryAt: b.retryAt}
		}
	}
	b.mu.Unlock()
	b.notify()
	return err
}

// Success reports a request that worked. Closed, it resets the consecutive
// failure count; half-open, it closes the breaker. While open it is ignored,
// as it comes from a request admitted before the breaker opened.
func (b *Breaker) Success() {
	b.mu.Lock()
	switch b.state {
	case Closed:
		b.failures = 0
	case HalfOpen:
		b.setLocked(Closed)
	case Open: // a late result of a request admitted before it opened
	}
	b.mu.Unlock()
	b.notify()
}

// Failure reports a request that failed. Closed, it counts and opens the
// breaker at FailureThreshold consecutive failures; half-open, it reopens the
// breaker for another ResetTimeout. While open it is ignored.
func (b *Breaker) Failure() {
	b.mu.Lock()
	switch b.state {
	case Closed:
		b.failures++
		if b.failures >= b.cfg.FailureThreshold {
			b.setLocked(Open)
		}
	case HalfOpen:
		b.setLocked(Open)
	case Open: // a late result of a request admitted before it opened
	}
	b.mu.Unlock()
	b.notify()
}

// State returns the current state, first turning an open breaker half-open
// if ResetTimeout has passed.
func (b *Breaker) State() State {
	b.mu.Lock()
	b.expireLocked()
	s := b.state
	b.mu.Unlock()
	b.notify()
	return s
}

// Trips returns how many times the breaker has opened, from closed or half-open.
func (b *Breaker) Trips() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.trips
}

// expireLocked turns an open breaker half-open once its timeout has passed.
// The check is lazy so the breaker needs no timer goroutine.
func (b *Breaker) expireLocked() {
	if b.state == Open && !b.clk.Now().Before(b.retryAt) {
		b.setLocked(HalfOpen)
	}
}

// setLocked moves to state to, resetting the counters that belong to it.
func (b *Breaker) setLocked(to State) {
	from := b.state
	b.state = to
	b.failures, b.probes = 0, 0
	if to == Open {
		b.trips++
		b.retryAt = b.clk.Now().Add(b.cfg.ResetTimeout)
	}
	if b.cfg.OnStateChange != nil {
		b.pending = append(b.pending, transition{from: from, to: to})
	}
}

// notify delivers pending transitions to OnStateChange without holding the
// lock. Only one goroutine delivers at a time, draining the queue in order, so
// callbacks stay ordered and may themselves call into the breaker.
func (b *Breaker) notify() {
	if b.cfg.OnStateChange == nil {
		return
	}
	b.mu.Lock()
	if b.notifier {
		b.mu.Unlock()
		return
	}
	b.notifier = true
	b.mu.Unlock()
	drained := false
	defer func() {
		// A panicking callback must not leave delivery stuck for everyone else.
		if !drained {
			b.mu.Lock()
			b.notifier = false
			b.mu.Unlock()
		}
	}()
	for {
		b.mu.Lock()
		batch := b.pending
		b.pending = nil
		if len(batch) == 0 {
			// Cleared under the same lock as the emptiness check, so a
			// transition queued after this is delivered by its own caller.
			b.notifier = false
			drained = true
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		for _, t := range batch {
			b.cfg.OnStateChange(b.name, t.from, t.to)
		}
	}
}
