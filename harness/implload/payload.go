package implload

import (
	"strings"

	"github.com/nngbench/nngbench/harness/scenario"
)

// padding makes the payloads of a run: message seq gets a size drawn from
// the size range by the run's seed and seq alone, so that a run repeats
// byte for byte whichever goroutine sends what.
type padding struct {
	min, max int
	seed     uint64
	fill     string // max bytes of filler, sliced
}

func newPadding(size scenario.SizeRange, seed int64) padding {
	lo, hi := int(size.Min), max(int(size.Max), int(size.Min))
	return padding{min: lo, max: hi, seed: uint64(seed), fill: strings.Repeat("x", hi)}
}

// size is message seq's size in bytes.
func (p padding) size(seq uint64) int {
	if p.max == p.min {
		return p.min
	}
	return p.min + int(splitmix(p.seed^splitmix(seq))%uint64(p.max-p.min+1))
}

// text is size(seq) bytes of filler: a task payload or a config value.
func (p padding) text(seq uint64) string { return p.fill[:p.size(seq)] }

// padJSON is the JSON wrapped around the filler of a request.
const padJSON = len(`{"pad":""}`)

// json is a JSON object of size(seq) bytes (at least padJSON): request
// data that the read-only endpoints ignore.
func (p padding) json(seq uint64) []byte {
	n := max(p.size(seq)-padJSON, 0)
	b := make([]byte, 0, n+padJSON)
	b = append(b, `{"pad":"`...)
	b = append(b, p.fill[:n]...)
	return append(b, `"}`...)
}

// splitmix is SplitMix64's output function: a cheap, well-mixed hash.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
