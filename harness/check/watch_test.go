package check_test

import (
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/check"
	"github.com/nngbench/nngbench/internal/wait"
)

func TestConfigWatch(t *testing.T) {
	f := twoWorkers()
	f.set(func(f *fake) { f.latest, f.versions = 2, map[string]uint64{"worker-1": 2, "worker-2": 1} })
	w := check.WatchConfig(t.Context(), f, 10*time.Millisecond)
	defer w.Stop()
	healed := time.Now()
	wait.Until(t, 5*time.Second, "a sample with worker-2 behind", func() bool {
		_, ok := w.ConvergedAfter(healed)
		return !ok && time.Since(healed) > 30*time.Millisecond
	})
	caughtUp := time.Now()
	f.set(func(f *fake) { f.versions["worker-2"] = 2 })
	var took time.Duration
	wait.Until(t, 5*time.Second, "convergence seen", func() bool {
		var ok bool
		took, ok = w.ConvergedAfter(healed)
		return ok
	})
	if min := caughtUp.Sub(healed); took < min {
		t.Errorf("converged %v after the heal, before worker-2 caught up (%v)", took, min)
	}
	if _, ok := w.ConvergedAfter(time.Now().Add(time.Hour)); ok {
		t.Error("converged after a time no sample has reached")
	}
}
