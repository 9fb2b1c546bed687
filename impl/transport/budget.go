package transport

import (
	"container/list"
	"errors"
	"sync"
)

// DefaultReceiveBudget is the default size of a process's receive budget:
// 128 MiB, room for the largest frame of the default limit (twice 64 MiB),
// or many smaller ones, at once. Its resident cost under attack is up to
// about three times that (see the README), whatever the connections.
const DefaultReceiveBudget = 128 << 20

// ErrBudgetClosed is returned by Acquire when the caller gave up waiting.
var ErrBudgetClosed = errors.New("transport: receive budget: wait abandoned")

// Budget bounds the bytes that the connections of a process hold in frames
// being received, of those over 64 KiB (smaller ones, bounded per connection,
// never wait): a frame's declared size is taken from it when its length
// arrives, before a byte of its body is buffered, and given back once the
// protocol has taken the message (when the connection asks for its next
// frame) or the connection ends. A frame that does not fit waits, first come
// first served, so that later, smaller ones cannot starve it; it holds
// nothing while it waits, so waiters never deadlock one another, and each
// holder is bounded in time by the frame deadlines (FrameTimeout, and a
// minimum mean rate).
//
// One budget is meant to serve every socket of a process (ProcessBudget);
// tests make their own.
type Budget struct {
	mu      sync.Mutex
	size    int64
	used    int64
	peak    int64
	waiters list.List // of *budgetWaiter, oldest first
}

type budgetWaiter struct {
	n     int64
	ready chan struct{} // closed when n was granted
}

// NewBudget returns a budget of size bytes (DefaultReceiveBudget if size <= 0).
func NewBudget(size int64) *Budget {
	if size <= 0 {
		size = DefaultReceiveBudget
	}
	return &Budget{size: size}
}

// processBudget is the budget every socket shares unless its Options name
// another: the bound on partly received frames is per process, not per
// connection or socket.
var processBudget = NewBudget(DefaultReceiveBudget)

// ProcessBudget returns the budget the sockets of this process share by default.
func ProcessBudget() *Budget { return processBudget }

// Size returns the budget's size in bytes.
func (b *Budget) Size() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.size
}

// Used returns the bytes held now.
func (b *Budget) Used() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Peak returns the most bytes held at once since the budget was made.
func (b *Budget) Peak() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peak
}

// ensure grows the budget to at least n bytes, so that the largest frame a
// socket accepts always fits on its own (a frame larger than the budget
// would wait for ever).
func (b *Budget) ensure(n int64) {
	b.mu.Lock()
	if n > b.size {
		b.size = n
		b.grant()
	}
	b.mu.Unlock()
}

// Acquire takes n bytes, waiting until they fit or abandon is closed. It
// returns ErrBudgetClosed when abandoned; the bytes are then not held.
func (b *Budget) Acquire(n int64, abandon <-chan struct{}) error {
	if n <= 0 {
		return nil
	}
	b.mu.Lock()
	if b.waiters.Len() == 0 && b.used+n <= b.size {
		b.take(n)
		b.mu.Unlock()
		return nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	el := b.waiters.PushBack(w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-abandon:
		b.mu.Lock()
		select {
		case <-w.ready: // granted meanwhile: give it back
			b.used -= n
		default:
			b.waiters.Remove(el)
		}
		b.grant()
		b.mu.Unlock()
		return ErrBudgetClosed
	}
}

// Release gives back n bytes taken by Acquire.
func (b *Budget) Release(n int64) {
	if n <= 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	b.grant()
	b.mu.Unlock()
}

func (b *Budget) take(n int64) {
	b.used += n
	b.peak = max(b.peak, b.used)
}

// grant hands bytes to the waiters in order, stopping at the first that
// does not fit. b.mu is held.
func (b *Budget) grant() {
	for el := b.waiters.Front(); el != nil; el = b.waiters.Front() {
		w := el.Value.(*budgetWaiter)
		if b.used+w.n > b.size {
			return
		}
		b.take(w.n)
		b.waiters.Remove(el)
		close(w.ready)
	}
}
