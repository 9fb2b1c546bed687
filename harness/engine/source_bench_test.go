package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/record"
)

// BenchmarkSource is what the one loop costs a message with nothing else
// to do: closed loop, and open loop planned far above what it can hand out
// (always behind, so that every message is due at once: what a generator
// at its limit pays), one worker and four.
func BenchmarkSource(b *testing.B) {
	for _, tc := range []struct {
		name string
		spec engine.Spec
	}{
		{"closed/1", engine.Spec{Concurrency: 1}},
		{"open/1", engine.Spec{Rate: 1e12, Concurrency: 1}},
		{"closed/4", engine.Spec{Concurrency: 4}},
		{"open/4", engine.Spec{Rate: 1e12, Concurrency: 4}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := tc.spec
			s.Duration = time.Hour
			ctx, cancel := context.WithCancel(b.Context())
			defer cancel()
			n := make(chan struct{}, s.Concurrency)
			b.ResetTimer()
			engine.Run(ctx, s, record.NewTimeline(0, s.Duration), func(ctx context.Context, _ int, src engine.Source) {
				for i := 0; ; i++ {
					if _, ok := src.Next(ctx); !ok {
						return
					}
					if i == b.N/s.Concurrency {
						n <- struct{}{}
						if len(n) == s.Concurrency {
							cancel()
						}
					}
				}
			})
		})
	}
}
