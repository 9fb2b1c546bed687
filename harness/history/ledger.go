package history

import "sync"

// chunk is how many ops one chunk of a Tape holds (160 KiB): appending
// never copies what is recorded already, which a growing slice does again
// and again on the sender's hot path.
const chunk = 4096

// Tape is one goroutine's ops of one workload, in the order it recorded
// them. It is not safe for concurrent use: give every sending or
// receiving goroutine a tape of its own (Ledger.Tape), or share a Locked.
type Tape struct {
	chunks [][]Op
	n      int
}

// Add appends op.
func (t *Tape) Add(op Op) {
	if len(t.chunks) == 0 || len(t.chunks[len(t.chunks)-1]) == chunk {
		t.chunks = append(t.chunks, make([]Op, 0, chunk))
	}
	last := &t.chunks[len(t.chunks)-1]
	*last = append(*last, op)
	t.n++
}

// Len is how many ops the tape holds.
func (t *Tape) Len() int { return t.n }

// Ops returns the tape's ops, in order, in one new slice.
func (t *Tape) Ops() []Op {
	out := make([]Op, 0, t.n)
	for _, c := range t.chunks {
		out = append(out, c...)
	}
	return out
}

// Locked is a tape many goroutines add to.
type Locked struct {
	mu sync.Mutex
	t  Tape
}

// Add appends op.
func (l *Locked) Add(op Op) {
	l.mu.Lock()
	l.t.Add(op)
	l.mu.Unlock()
}

// Len is how many ops it holds.
func (l *Locked) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.t.n
}

// Ledger collects one workload's tapes while it runs: every send and
// every receipt, from every goroutine. Tape and Locked are safe for
// concurrent use; each tape they return belongs to its caller.
type Ledger struct {
	mu     sync.Mutex
	tapes  []*Tape
	locked []*Locked
}

// Tape returns a new tape of the ledger, for one goroutine.
func (l *Ledger) Tape() *Tape {
	t := &Tape{}
	l.mu.Lock()
	l.tapes = append(l.tapes, t)
	l.mu.Unlock()
	return t
}

// Locked returns a new tape of the ledger that any goroutine may add to.
func (l *Ledger) Locked() *Locked {
	t := &Locked{}
	l.mu.Lock()
	l.locked = append(l.locked, t)
	l.mu.Unlock()
	return t
}

// Tapes returns every tape's ops, one slice per tape in the order the
// tapes were made, empty ones left out. Call it once every goroutine
// that adds has finished.
func (l *Ledger) Tapes() [][]Op {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out [][]Op
	for _, t := range l.tapes {
		if t.n > 0 {
			out = append(out, t.Ops())
		}
	}
	for _, t := range l.locked {
		t.mu.Lock()
		if t.t.n > 0 {
			out = append(out, t.t.Ops())
		}
		t.mu.Unlock()
	}
	return out
}

// Ops returns its ops, in order, in one new slice.
func (l *Locked) Ops() []Op {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.t.Ops()
}
