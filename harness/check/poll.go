package check

import (
	"context"
	"time"
)

// pollEvery is how often a converging check looks again.
const pollEvery = 50 * time.Millisecond

// until calls look until it reports done, within (from the first call), or
// ctx ends; it returns how long it took and the last look's error.
func until(ctx context.Context, within time.Duration, look func(context.Context) (bool, error)) (time.Duration, bool, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		done, err := look(ctx)
		if done {
			return time.Since(start), true, nil
		}
		select {
		case <-ctx.Done():
			return time.Since(start), false, err
		case <-tick.C:
		}
	}
}
