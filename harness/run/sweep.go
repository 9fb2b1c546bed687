package run

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/nngbench/nngbench/harness/gate"
	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
)

// PointRunner runs one point of a sweep, the scenario s, into dir.
type PointRunner func(ctx context.Context, s *scenario.Scenario, dir string) (*result.Result, error)

// SweepOptions configure Sweep; zero fields take the defaults.
type SweepOptions struct {
	// Dir is the sweep's folder: sweep.md and its figure, and a folder
	// per point (workers-N, rate-R or, for a search, step-NN), which holds
	// the point's run, or run-01 ... run-K with Repeat K.
	Dir string
	// Repeat is how many times each point runs; default 1. A list of
	// points goes round them (a b c a b c) so that runs of one point meet
	// the machine as the others' do; a search runs each step's K runs
	// before it picks the next rate, which depends on them.
	Repeat int
	// Run runs one point; default Run with Options, its Dir the point's.
	Run PointRunner
	// Options are those of the default Run.
	Options Options
	// Done, if set, is called after each run with its folder, result (nil
	// if it did not run) and error.
	Done func(dir string, r *result.Result, err error)
}

func (o SweepOptions) withDefaults() SweepOptions {
	o.Repeat = max(o.Repeat, 1)
	if o.Run == nil {
		base := o.Options
		o.Run = func(ctx context.Context, s *scenario.Scenario, dir string) (*result.Result, error) {
			opts := base
			opts.Dir = dir
			return Run(ctx, s, opts)
		}
	}
	return o
}

// Sweep runs every point of s's sweep, of worker counts (s.Sweep) or of
// rates (s.Rates), into o.Dir, then writes the sweep's report there:
// scaling.png for worker counts, latency-vs-rate.png and sweep.json for
// rates, and sweep.md. It returns every run's result, in run order, and
// the errors of the runs (each naming its folder) and of the report. An
// interrupted run ends the sweep; the report then covers what ran.
func Sweep(ctx context.Context, s *scenario.Scenario, o SweepOptions) ([]*result.Result, error) {
	o = o.withDefaults()
	sw := &sweeper{s: s, o: o}
	switch {
	case s.Rates != nil && s.Rates.Auto:
		sw.search(ctx)
	case s.Rates != nil:
		sw.fixedRates(ctx)
	case len(s.Sweep) > 0:
		sw.workers(ctx)
	default:
		return nil, fmt.Errorf("%w: scenario %s has no sweep", ErrOptions, s.Name)
	}
	if err := sw.write(); err != nil {
		sw.errs = append(sw.errs, err)
	}
	return sw.all, errors.Join(sw.errs...)
}

// sweeper is one Sweep's state.
type sweeper struct {
	s           *scenario.Scenario
	o           SweepOptions
	all         []*result.Result
	errs        []error
	interrupted bool

	counts [][]*result.Result  // worker sweep: the runs of each count, in s.Sweep's order
	series []report.RateSeries // rate sweep: one per swept workload
}

// runOne runs point s into dir and notes what it gave.
func (sw *sweeper) runOne(ctx context.Context, s *scenario.Scenario, dir string) (*result.Result, error) {
	r, err := sw.o.Run(ctx, s, dir)
	if sw.o.Done != nil {
		sw.o.Done(dir, r, err)
	}
	if r != nil {
		sw.all = append(sw.all, r)
	}
	if err != nil {
		sw.errs = append(sw.errs, fmt.Errorf("%s: %w", dir, err))
	}
	if errors.Is(err, ErrInterrupted) || ctx.Err() != nil {
		sw.interrupted = true
	}
	return r, err
}

// runDir is the folder of repetition rep of the point in folder point.
func (sw *sweeper) runDir(point string, rep int) string {
	return Dir(sw.o.Dir, point, rep, sw.o.Repeat)
}

func (sw *sweeper) workers(ctx context.Context) {
	sw.counts = make([][]*result.Result, len(sw.s.Sweep))
	for rep := 1; rep <= sw.o.Repeat && !sw.interrupted; rep++ {
		for i, n := range sw.s.Sweep {
			if sw.interrupted {
				return
			}
			if r, _ := sw.runOne(ctx, sw.s.At(n), sw.runDir(report.SweepPointDir(n), rep)); r != nil {
				sw.counts[i] = append(sw.counts[i], r)
			}
		}
	}
}

// RatePointDir is the folder, inside a sweep's, of the point at rate r.
func RatePointDir(r float64) string { return "rate-" + strconv.FormatFloat(r, 'f', -1, 64) }

// StepDir is the folder, inside a search's, of its step-th run (1-based).
func StepDir(step int) string { return fmt.Sprintf("step-%02d", step) }

func (sw *sweeper) newSeries() {
	for _, name := range sw.s.Rates.Workloads {
		w := sw.s.Workloads[slices.IndexFunc(sw.s.Workloads, func(w scenario.Workload) bool { return w.Name == name })]
		var objs []string
		for _, g := range sw.s.Rates.Objectives(name) {
			objs = append(objs, g.Expr)
		}
		sw.series = append(sw.series, report.RateSeries{Name: name, Pattern: string(w.Pattern), Mode: string(w.Mode),
			Objectives: objs})
	}
}

func (sw *sweeper) fixedRates(ctx context.Context) {
	sw.newSeries()
	rates := sw.s.Rates.Rates
	// points[i][k] is rate i's point for swept workload k.
	points := make([][]report.RatePoint, len(rates))
	for i, rt := range rates {
		points[i] = make([]report.RatePoint, len(sw.series))
		for k := range sw.series {
			points[i][k] = report.RatePoint{Step: i + 1, Dir: RatePointDir(rt), Planned: rt}
		}
	}
	for rep := 1; rep <= sw.o.Repeat && !sw.interrupted; rep++ {
		for i, rt := range rates {
			if sw.interrupted {
				break
			}
			at := map[string]float64{}
			for _, name := range sw.s.Rates.Workloads {
				at[name] = rt
			}
			r, err := sw.runOne(ctx, sw.s.AtRates(at), sw.runDir(RatePointDir(rt), rep))
			for k := range sw.series {
				points[i][k].Runs = append(points[i][k].Runs, sw.judge(r, err, sw.series[k].Name))
			}
		}
	}
	for i := range rates {
		for k := range sw.series {
			if p := points[i][k]; len(p.Runs) > 0 {
				sw.series[k].Points = append(sw.series[k].Points, finish(p))
			}
		}
	}
	for k := range sw.series {
		sw.series[k].Knee = Knee(sw.series[k].Points)
	}
}

// search runs one search per swept workload, each alone: its runs hold
// that workload and the scenario's unswept ones, never another swept
// one, whose load would move its knee (two searches in the same runs
// each find the machine the other leaves them). Each search takes at
// most MaxSteps runs (times Repeat), in its own folder when there are
// several (<workload>/step-NN).
func (sw *sweeper) search(ctx context.Context) {
	sw.newSeries()
	for k, name := range sw.s.Rates.Workloads {
		if sw.interrupted {
			break
		}
		start := sw.s.Rates.Start
		if start == 0 {
			start = sw.s.Workloads[slices.IndexFunc(sw.s.Workloads, func(w scenario.Workload) bool { return w.Name == name })].Rate.PerSecond
		}
		sr := newSearch(start)
		alone := sw.alone(name)
		for step := 1; step <= sw.s.Rates.MaxSteps && !sw.interrupted && !sr.done(); step++ {
			p := report.RatePoint{Step: step, Dir: sw.stepDir(name, step), Planned: sr.rate}
			for rep := 1; rep <= sw.o.Repeat && !sw.interrupted; rep++ {
				r, err := sw.runOne(ctx, alone.AtRates(map[string]float64{name: sr.rate}), sw.runDir(p.Dir, rep))
				p.Runs = append(p.Runs, sw.judge(r, err, name))
			}
			if sw.interrupted && len(p.Runs) < sw.o.Repeat {
				break // a step cut short proves nothing either way
			}
			p = finish(p)
			sw.series[k].Points = append(sw.series[k].Points, p)
			sr.step(p.Pass)
		}
		sw.series[k].Knee = sr.knee()
	}
}

// alone is the scenario with swept workload name and no other swept one.
func (sw *sweeper) alone(name string) *scenario.Scenario {
	c := *sw.s
	c.Workloads = slices.DeleteFunc(slices.Clone(sw.s.Workloads), func(w scenario.Workload) bool {
		return w.Name != name && slices.Contains(sw.s.Rates.Workloads, w.Name)
	})
	return &c
}

// stepDir is the folder of a search's step: StepDir, inside the
// workload's folder when the sweep searches several.
func (sw *sweeper) stepDir(name string, step int) string {
	if len(sw.s.Rates.Workloads) == 1 {
		return StepDir(step)
	}
	return filepath.Join(name, StepDir(step))
}

// finish decides a point: it passes when every one of its runs did.
func finish(p report.RatePoint) report.RatePoint {
	p.Pass = len(p.Runs) > 0
	for _, r := range p.Runs {
		p.Pass = p.Pass && r.Valid && r.SLOMet && r.Detail == ""
	}
	return p
}

// Knee is the highest planned rate of the points that passed below the
// lowest that failed: where a sweep first breaks. 0 when none passed there.
func Knee(points []report.RatePoint) float64 {
	firstFail := 0.0
	for _, p := range points {
		if !p.Pass && (firstFail == 0 || p.Planned < firstFail) {
			firstFail = p.Planned
		}
	}
	knee := 0.0
	for _, p := range points {
		if p.Pass && (firstFail == 0 || p.Planned < firstFail) {
			knee = max(knee, p.Planned)
		}
	}
	return knee
}

// judge is how workload name fared in one run: its figures, whether it is
// valid and meets its objectives, and if not, why.
func (sw *sweeper) judge(r *result.Result, err error, name string) report.RateRun {
	if r == nil {
		return report.RateRun{Detail: fmt.Sprintf("not run: %v", err)}
	}
	i := slices.IndexFunc(r.Workloads, func(w result.Workload) bool { return w.Name == name })
	if i < 0 {
		return report.RateRun{Detail: "no workload " + name + " in the result"}
	}
	w := r.Workloads[i]
	rr := report.RateRunOf(w)
	gates := gate.Evaluate(r, sw.s.Rates.Objectives(name))
	rr.SLOMet = gate.Failed(gates) == 0
	var why []string
	switch {
	case err != nil:
		why = append(why, "run failed: "+err.Error())
	case !w.Valid:
		why = append(why, "invalid: "+w.Invalid)
	}
	if w.Valid {
		for _, g := range gates {
			if !g.OK {
				why = append(why, g.Expr+": "+g.Detail)
			}
		}
	}
	rr.Detail = strings.Join(why, "; ")
	return rr
}

// write writes the sweep's report from what ran.
func (sw *sweeper) write() error {
	if sw.s.Rates == nil {
		var groups [][]*result.Result
		for _, g := range sw.counts {
			if len(g) > 0 {
				groups = append(groups, g)
			}
		}
		if len(groups) < 2 {
			return nil // an interrupted sweep with one point has nothing to scale
		}
		return report.WriteSweepRepeated(sw.o.Dir, groups)
	}
	if len(sw.all) == 0 {
		return nil
	}
	first := sw.all[0]
	rs := &report.RateSweep{Schema: report.RateSweepSchema, Scenario: sw.s.Name, Description: sw.s.Description,
		Search: sw.s.Rates.Auto, SLO: []string{}, Repeat: sw.o.Repeat, Transport: string(sw.s.Transport),
		Workers: sw.s.Workers, Machine: report.MachineOf(first.Machine), Commit: first.Machine.Commit, Workloads: sw.series}
	for _, g := range sw.s.Rates.SLO {
		rs.SLO = append(rs.SLO, g.Expr)
	}
	return report.WriteRateSweep(sw.o.Dir, rs)
}

// CheckSweep parses a rate sweep's objectives with the gate grammar, as
// each swept workload reads them, so that a bad one shows before anything
// runs, as FILE:LINE: sweep.slo: col N: problem.
func CheckSweep(s *scenario.Scenario) error {
	if s.Rates == nil {
		return nil
	}
	names := make([]string, len(s.Workloads))
	for i, w := range s.Workloads {
		names[i] = w.Name
	}
	var errs []error
	seen := map[string]bool{}
	for _, name := range s.Rates.Workloads {
		for _, g := range s.Rates.Objectives(name) {
			e, err := gate.Parse(g.Expr)
			var se *gate.SyntaxError
			msg := ""
			switch {
			case errors.As(err, &se):
				msg = fmt.Sprintf("%q: col %d: %s", g.Expr, se.Col, se.Msg)
			case err != nil:
				msg = err.Error()
			default:
				for _, w := range e.Workloads() {
					if !slices.Contains(names, w) {
						msg = fmt.Sprintf("%q: no workload %q in the scenario", g.Expr, w)
					}
				}
			}
			if msg != "" && !seen[msg] {
				seen[msg] = true
				errs = append(errs, &scenario.Error{File: s.File, Line: g.Line, Field: "sweep.slo", Msg: msg})
			}
		}
	}
	return errors.Join(errs...)
}
