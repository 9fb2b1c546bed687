package worker_test

import (
	"slices"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

// TestHandlerDelay: handler_delay_us adds at least its cost to every
// command served, on every endpoint; a worker without it answers the same
// calls faster than that cost (compared by medians, side by side).
func TestHandlerDelay(t *testing.T) {
	cp := newFakeCP(t)
	const delay = 20 * time.Millisecond
	slowCfg := cp.workerConfig("slow")
	slowCfg.HandlerDelayUS = int(delay / time.Microsecond)
	slow := commandClient(t, startWorker(t, slowCfg, nil))
	fast := commandClient(t, startWorker(t, cp.workerConfig("fast"), nil))
	const n = 5
	var slowTimes, fastTimes []time.Duration
	for _, ep := range []string{api.Health, api.InstancesList, api.ConfigGet} {
		for range n {
			start := time.Now()
			must(t, call(t, slow, ep, nil, nil))
			d := time.Since(start)
			if d < delay {
				t.Fatalf("%s answered in %v, under the %v handler delay", ep, d, delay)
			}
			slowTimes = append(slowTimes, d)
			start = time.Now()
			must(t, call(t, fast, ep, nil, nil))
			fastTimes = append(fastTimes, time.Since(start))
		}
	}
	if diff := median(slowTimes) - median(fastTimes); diff < delay/2 {
		t.Errorf("medians %v with the delay, %v without: %v apart, want about %v", median(slowTimes), median(fastTimes), diff, delay)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
