package engine_test

import (
	"fmt"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
)

func ExampleConstantPacer() {
	p := engine.ConstantPacer{Freq: 4, Duration: time.Second}
	for _, c := range []struct {
		elapsed time.Duration
		hits    uint64
	}{{0, 0}, {0, 1}, {100 * time.Millisecond, 1}, {600 * time.Millisecond, 2}, {800 * time.Millisecond, 4}} {
		wait, stop := p.Pace(c.elapsed, c.hits)
		fmt.Printf("at %v after %d sent: wait %v, stop %v\n", c.elapsed, c.hits, wait, stop)
	}
	// Output:
	// at 0s after 0 sent: wait 0s, stop false
	// at 0s after 1 sent: wait 250ms, stop false
	// at 100ms after 1 sent: wait 150ms, stop false
	// at 600ms after 2 sent: wait 0s, stop false
	// at 800ms after 4 sent: wait 0s, stop true
}
