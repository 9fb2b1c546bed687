package load

import (
	"math/rand/v2"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/scenario"
)

// payloads draws message sizes in [min, max] from a seeded RNG, so that a run can be repeated
// byte for byte. One per sender goroutine: it is not safe for concurrent use.
type payloads struct {
	rng      *rand.Rand
	min, max int
	buf      []byte
}

// newPayloads seeds from the run's seed and the sender id, so senders draw different sequences.
// Sizes below engine.StampSize are raised to it: every message must carry its stamp.
func newPayloads(size scenario.SizeRange, seed int64, sender uint32) *payloads {
	lo, hi := max(int(size.Min), engine.StampSize), max(int(size.Max), engine.StampSize)
	hi = max(hi, lo)
	return &payloads{
		rng: rand.New(rand.NewPCG(uint64(seed), uint64(sender)+1)), //nolint:gosec // seeded on purpose: runs repeat from their seed
		min: lo, max: hi, buf: make([]byte, hi),
	}
}

// next returns a buffer of the next size, reused between calls: mangos Send copies it.
func (p *payloads) next() []byte {
	n := p.min
	if p.max > p.min {
		n += p.rng.IntN(p.max - p.min + 1)
	}
	return p.buf[:n]
}
