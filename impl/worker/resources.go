package worker

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/mem"

	"github.com/nngbench/nngbench/impl/api"
)

// sampler measures the host for heartbeats. CPU is the busy share since
// the previous sample of this sampler (gopsutil's own "since the last
// call" state is package-wide, which several in-process workers would
// share).
type sampler struct {
	path string // whose filesystem's usage is reported

	mu   sync.Mutex
	last cpu.TimesStat
	have bool
}

func newSampler(path string) *sampler {
	s := &sampler{path: path}
	if t, err := cpu.Times(false); err == nil && len(t) == 1 {
		s.last, s.have = t[0], true
	}
	return s
}

// diskPath is the directory of the state file (or else of a journal), or
// "/": where the worker keeps what it keeps.
func diskPath(cfg Config) string {
	for _, f := range []string{cfg.Instances.StateFile, cfg.Tasks.JournalFile, cfg.ConfigJournalFile} {
		if f != "" {
			if abs, err := filepath.Abs(filepath.Dir(f)); err == nil {
				return abs
			}
		}
	}
	return "/"
}

// sample returns the resources in [0,100]; a measure that fails is 0 and
// its error is returned along with the others.
func (s *sampler) sample(ctx context.Context) (api.Resources, error) {
	var r api.Resources
	var errs []error
	if t, err := cpu.TimesWithContext(ctx, false); err != nil || len(t) != 1 {
		errs = append(errs, fmt.Errorf("cpu: %w", errors.Join(err, errors.New("no total"))))
	} else {
		s.mu.Lock()
		if s.have {
			r.CPUPercent = busyPercent(s.last, t[0])
		}
		s.last, s.have = t[0], true
		s.mu.Unlock()
	}
	if vm, err := mem.VirtualMemoryWithContext(ctx); err != nil {
		errs = append(errs, fmt.Errorf("memory: %w", err))
	} else {
		r.MemoryPercent = clampPercent(vm.UsedPercent)
	}
	if du, err := disk.UsageWithContext(ctx, s.path); err != nil {
		errs = append(errs, fmt.Errorf("disk %s: %w", s.path, err))
	} else {
		r.DiskPercent = clampPercent(du.UsedPercent)
	}
	return r, errors.Join(errs...)
}

// busyPercent is the share of CPU time between two samples that was not
// idle, as gopsutil's cpu.Percent computes it.
func busyPercent(a, b cpu.TimesStat) float64 {
	total := func(t cpu.TimesStat) (all, busy float64) {
		all = t.User + t.System + t.Idle + t.Nice + t.Iowait + t.Irq + t.Softirq + t.Steal
		if runtime.GOOS != "linux" {
			// Linux counts guest time inside user time already.
			all += t.Guest + t.GuestNice
		}
		return all, all - t.Idle - t.Iowait
	}
	aAll, aBusy := total(a)
	bAll, bBusy := total(b)
	if bBusy <= aBusy || bAll <= aAll {
		return 0
	}
	return clampPercent((bBusy - aBusy) / (bAll - aAll) * 100)
}

func clampPercent(v float64) float64 { return min(max(v, 0), 100) }

// resources samples the host, logging (at debug: it repeats every
// heartbeat) what could not be measured.
func (w *Worker) resources(ctx context.Context) api.Resources {
	r, err := w.res.sample(ctx)
	if err != nil {
		w.log.Debug("could not measure every resource", "error", err)
	}
	return r
}
