package check

import (
	"context"
	"sync"
	"time"
)

// ConfigWatch samples, while a run goes on, whether every worker is online
// and on the control plane's latest config (workers in gone excepted), so
// that the convergence time after each fault's heal can be read afterwards. Each sample asks every online
// worker for /health, so keep Every well above the interval of the load.
type ConfigWatch struct {
	mu      sync.Mutex
	samples []sample
	stop    context.CancelFunc
	done    chan struct{}
}

type sample struct {
	at      time.Time
	current bool // every online worker on the latest version
}

// WatchConfig starts sampling s every every until Stop. gone lists the
// workers meant to be down (killed and never restarted).
func WatchConfig(ctx context.Context, s State, every time.Duration, gone ...string) *ConfigWatch {
	ctx, cancel := context.WithCancel(ctx)
	w := &ConfigWatch{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			// A worker that cannot answer within a sample's time is not
			// current: a partitioned one would otherwise hold the watch up
			// for a whole request timeout.
			sctx, cancel := context.WithTimeout(ctx, max(every, sampleTimeout))
			_, behind, err := configBehind(sctx, s, gone)
			current := err == nil && len(behind) == 0
			cancel()
			if ctx.Err() != nil {
				return
			}
			w.mu.Lock()
			w.samples = append(w.samples, sample{at: time.Now(), current: current})
			w.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// Stop ends the sampling and waits for it.
func (w *ConfigWatch) Stop() {
	w.stop()
	<-w.done
}

// ConvergedAfter returns how long after t the first sample found every
// worker current, and false if none did.
func (w *ConfigWatch) ConvergedAfter(t time.Time) (time.Duration, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.samples {
		if !s.at.Before(t) && s.current {
			return s.at.Sub(t), true
		}
	}
	return 0, false
}

// sampleTimeout bounds one sample (with every worker's answer) when the
// sampling period is shorter.
const sampleTimeout = 500 * time.Millisecond
