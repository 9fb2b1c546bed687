package scenario

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Defaults and limits of a rate sweep.
const (
	DefaultMaxSteps = 8
	MaxSweepSteps   = 64
)

// RateSweep is a sweep of the offered rate: `sweep: {rate: [1000, 2000]}`
// runs the scenario once per rate, `sweep: {rate: auto, slo: "p99 < 5ms"}`
// searches for the highest rate each swept workload sustains.
//
// The rate applies to every swept workload: those named by
// `sweep.workload`, by default every open-loop one. The others keep their
// own rate (or concurrency) at every point, as a background load. A search
// (Auto) runs one search per swept workload, each alone (its runs hold no
// other swept workload, only the background): a point passes for a workload when the
// workload is valid (its generator kept to the plan, nothing marked it
// invalid) and meets each of its objectives.
type RateSweep struct {
	// Rates are the rates of a fixed sweep, per second, increasing; nil
	// for a search.
	Rates []float64
	// Auto marks a search (rate: auto).
	Auto bool
	// SLO are the objectives, in the gate grammar. An expression with
	// bare fields ("p99 < 5ms") applies to every swept workload (see
	// Objectives); one naming WORKLOAD.FIELD to the swept workloads it
	// names. Optional: without it a point passes when it is valid.
	SLO []Gate
	// Workloads are the names of the swept workloads, never empty once
	// checked: `sweep.workload` (a name or a list), or every open-loop
	// workload.
	Workloads []string
	// Start is the first rate of a search, per second; 0 starts each swept
	// workload at its own rate.
	Start float64
	// MaxSteps bounds the runs of a search (each point once, however
	// often --repeat runs it); default DefaultMaxSteps.
	MaxSteps int
	Line     int // of the sweep key
}

// Swept says whether the workload named name is one the sweep sets the
// rate of.
func (r *RateSweep) Swept(name string) bool { return slices.Contains(r.Workloads, name) }

// Objectives are the SLO expressions that judge workload name, in the
// gate grammar, with bare fields given its name: "p99 < 5ms" becomes
// "NAME.p99 < 5ms". An expression naming workloads applies as written to
// each of them.
func (r *RateSweep) Objectives(name string) []Gate {
	var out []Gate
	for _, g := range r.SLO {
		named := namedWorkloads(g.Expr)
		switch {
		case len(named) == 0:
			out = append(out, Gate{Expr: qualify(g.Expr, name), Line: g.Line})
		case slices.Contains(named, name):
			out = append(out, g)
		}
	}
	return out
}

// AtRates returns the scenario with the given workloads at the given rates
// (per second) and no sweep: one point of a rate sweep.
func (s *Scenario) AtRates(rates map[string]float64) *Scenario {
	c := s.At(s.Workers)
	c.Rates = nil
	for i := range c.Workloads {
		if r, ok := rates[c.Workloads[i].Name]; ok {
			c.Workloads[i].Rate = Rate{PerSecond: r}
		}
	}
	return c
}

// sweep decodes `sweep: {workers: [1, 2, 4]}` or a rate sweep; checkSweep
// compares it with the rest.
func (d *decoder) sweep(n *yaml.Node, path string, s *Scenario) {
	rs := &RateSweep{Line: n.Line}
	d.mapping(n, path, fields{
		"workers": func(v *yaml.Node, p string) {
			d.list(v, p, func(v *yaml.Node, p string) {
				if c, ok := d.integer(v, p, 1, MaxWorkers); ok {
					if len(s.Sweep) > 0 && int(c) <= s.Sweep[len(s.Sweep)-1] {
						d.report(p, 0, nil, "must be above the count before it (%d): list worker counts in increasing order", s.Sweep[len(s.Sweep)-1])
						return
					}
					s.Sweep = append(s.Sweep, int(c))
				}
			})
		},
		"rate": func(v *yaml.Node, p string) {
			if deref(v).Kind == yaml.ScalarNode {
				if text, _ := d.str(v, p); text == "auto" {
					rs.Auto = true
				} else if text != "" {
					d.report(p, 0, nil, "expected auto or a list of rates, got %s", describe(v))
				}
				return
			}
			d.list(v, p, func(v *yaml.Node, p string) {
				if r, ok := d.sweepRate(v, p); ok {
					if len(rs.Rates) > 0 && r <= rs.Rates[len(rs.Rates)-1] {
						d.report(p, 0, nil, "must be above the rate before it (%g/s): list rates in increasing order", rs.Rates[len(rs.Rates)-1])
						return
					}
					rs.Rates = append(rs.Rates, r)
				}
			})
		},
		"slo": func(v *yaml.Node, p string) {
			one := func(v *yaml.Node, p string) {
				if expr, ok := d.str(v, p); ok && strings.TrimSpace(expr) == "" {
					d.report(p, 0, nil, "empty objective")
				} else if ok {
					rs.SLO = append(rs.SLO, Gate{Expr: expr, Line: v.Line})
				}
			}
			if deref(v).Kind == yaml.SequenceNode {
				d.list(v, p, one)
			} else {
				one(v, p)
			}
		},
		"workload": func(v *yaml.Node, p string) {
			one := func(v *yaml.Node, p string) {
				if name, ok := parsed(d, v, p, "a workload name", parseName); ok {
					rs.Workloads = append(rs.Workloads, name)
				}
			}
			if deref(v).Kind == yaml.SequenceNode {
				d.list(v, p, one)
			} else {
				one(v, p)
			}
		},
		"start": func(v *yaml.Node, p string) {
			if r, ok := d.sweepRate(v, p); ok {
				rs.Start = r
			}
		},
		"max_steps": func(v *yaml.Node, p string) {
			if m, ok := d.integer(v, p, 2, MaxSweepSteps); ok {
				rs.MaxSteps = int(m)
			}
		},
	})
	if d.has(path+".rate") || d.has(path+".slo") || d.has(path+".workload") || d.has(path+".start") || d.has(path+".max_steps") {
		s.Rates = rs
	}
}

// sweepRate reads a rate of a sweep: a plain number (per second) or N/s,
// N/ms, N/min as a workload's rate is written.
func (d *decoder) sweepRate(n *yaml.Node, path string) (float64, bool) {
	if v := deref(n); v.Kind == yaml.ScalarNode && (v.ShortTag() == "!!int" || v.ShortTag() == "!!float") {
		var f float64
		switch err := v.Decode(&f); {
		case err != nil || math.IsNaN(f) || math.IsInf(f, 0):
			d.report(path, 0, nil, "expected a rate, got %s", describe(n))
		case f <= 0:
			d.report(path, 0, nil, "must be > 0")
		default:
			return f, true
		}
		return 0, false
	}
	r, ok := parsed(d, n, path, "a rate", parseRate)
	return r.PerSecond, ok
}

// checkSweep makes a worker sweep's smallest count the scenario's Workers,
// so that fault targets are checked against every point of it, and checks
// a rate sweep against the workloads.
func (d *decoder) checkSweep(s *Scenario) {
	const p = "sweep.workers"
	if !d.has("sweep") || d.mark("sweep").bad {
		return
	}
	if s.Rates != nil || d.has("sweep.rate") {
		if d.has(p) {
			d.report(p, 0, nil, "sweep.rate is given too: a sweep varies the worker count or the rate, one at a time")
		}
		d.checkRateSweep(s)
		return
	}
	switch {
	case !d.has(p):
		d.report(p, 0, nil, "required in a sweep")
	case d.has("workers"):
		d.report("workers", 0, nil, "a sweep is given too: it sets the worker count of each run")
	case !d.has(p+"[1]") && !d.mark(p).bad: // with two or more written, a bad one was reported already
		d.report(p, 0, nil, "a sweep needs at least two worker counts")
	}
	if len(s.Sweep) > 0 {
		s.Workers = s.Sweep[0]
	}
}

// checkRateSweep fills in the swept workloads and the search's defaults,
// and checks that each option fits the kind of sweep.
func (d *decoder) checkRateSweep(s *Scenario) {
	rs := s.Rates
	if rs == nil { // rate: was written but held nothing usable; reported already
		return
	}
	const p = "sweep"
	switch {
	case !d.has(p + ".rate"):
		d.report(p+".rate", 0, nil, "required with %s: a list of rates, or auto to search", firstGiven(d, p, "slo", "workload", "start", "max_steps"))
	case !rs.Auto && !d.has(p+".rate[1]") && !d.mark(p+".rate").bad:
		d.report(p+".rate", 0, nil, "a sweep needs at least two rates (or auto to search)")
	}
	if !rs.Auto {
		for _, k := range []string{"start", "max_steps"} {
			if d.has(p + "." + k) {
				d.report(p+"."+k, 0, nil, "only for rate: auto (a search)")
			}
		}
	}
	if rs.Auto && rs.MaxSteps == 0 {
		rs.MaxSteps = DefaultMaxSteps
	}
	d.checkSwept(s, rs)
	for i, g := range rs.SLO {
		if named := namedWorkloads(g.Expr); len(named) > 0 && !slices.ContainsFunc(named, rs.Swept) {
			f := p + ".slo"
			if d.has(f + "[0]") {
				f = index(f, i)
			}
			d.report(f, g.Line, nil, "names no swept workload (%s): an objective judges the workloads the sweep sets the rate of", orList(rs.Workloads))
		}
	}
}

// checkSwept checks sweep.workload, or makes every open-loop workload
// swept when it is not given.
func (d *decoder) checkSwept(s *Scenario, rs *RateSweep) {
	const p = "sweep.workload"
	open := func(w Workload) bool { return w.Concurrency == 0 && w.Rate.PerSecond > 0 }
	if !d.has(p) {
		for _, w := range s.Workloads {
			if open(w) {
				rs.Workloads = append(rs.Workloads, w.Name)
			}
		}
		if len(rs.Workloads) == 0 && len(s.Workloads) > 0 {
			d.report("sweep.rate", 0, nil, "no open-loop workload (one with rate) to sweep the rate of")
		}
		return
	}
	seen := map[string]bool{}
	for i, name := range rs.Workloads {
		f := p
		if d.has(p + "[0]") {
			f = index(p, i)
		}
		j := slices.IndexFunc(s.Workloads, func(w Workload) bool { return w.Name == name })
		switch {
		case seen[name]:
			d.report(f, 0, nil, "%s is listed twice", name)
		case j < 0:
			d.report(f, 0, nil, "no workload %q in the scenario (it has %s)", name, orList(workloadNames(s.Workloads)))
		case !open(s.Workloads[j]):
			d.report(f, 0, nil, "workload %s is closed loop (concurrency): only an open-loop workload has a rate to sweep", name)
		}
		seen[name] = true
	}
}

func workloadNames(ws []Workload) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Name
	}
	return out
}

func firstGiven(d *decoder, path string, keys ...string) string {
	for _, k := range keys {
		if d.has(path + "." + k) {
			return path + "." + k
		}
	}
	return path
}

// checkServiceTime: a fixed service time is a property of the bare
// repliers, which impl's workers do not have.
func (d *decoder) checkServiceTime(w *Workload, p string) {
	if it := d.item(p); !it.ok(".service_time") || !it.ok(".pattern") {
		return
	}
	if w.Pattern != PatternReqRep || w.Mode != ModeRaw {
		d.report(p+".service_time", 0, nil, "only for pattern reqrep in mode raw (bare repliers), not %s in mode %s", w.Pattern, w.Mode)
	}
}

// words splits a gate expression into the words the gate grammar reads
// (metrics, numbers with their units), each with its byte offset.
func words(expr string) (out []struct {
	text string
	off  int
}) {
	isWord := func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-%/µ+", r)
	}
	start := -1
	for i := 0; i <= len(expr); {
		r, n := utf8.DecodeRuneInString(expr[i:])
		if i < len(expr) && isWord(r) {
			if start < 0 {
				start = i
			}
			i += n
			continue
		}
		if start >= 0 {
			out = append(out, struct {
				text string
				off  int
			}{expr[start:i], start})
			start = -1
		}
		if i == len(expr) {
			break
		}
		i += n
	}
	return out
}

// bare says whether a word is a field without its workload: it starts with
// a letter and has no WORKLOAD. before a field (p99, recv_rate, p99.9).
func bare(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	if !unicode.IsLetter(r) {
		return false
	}
	_, after, dotted := strings.Cut(w, ".")
	return !dotted || after == "" || unicode.IsDigit(rune(after[0]))
}

// namedWorkloads lists the workloads an expression names as WORKLOAD.FIELD.
func namedWorkloads(expr string) []string {
	var out []string
	for _, w := range words(expr) {
		if bare(w.text) {
			continue
		}
		if name, _, ok := strings.Cut(w.text, "."); ok && name != "" {
			if r, _ := utf8.DecodeRuneInString(name); unicode.IsLetter(r) && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// qualify puts name. before every bare field of expr.
func qualify(expr, name string) string {
	var b strings.Builder
	last := 0
	for _, w := range words(expr) {
		if bare(w.text) {
			b.WriteString(expr[last:w.off])
			b.WriteString(name + ".")
			last = w.off
		}
	}
	b.WriteString(expr[last:])
	return b.String()
}

// summary describes a rate sweep for Summary.
func (r *RateSweep) summary() string {
	if r.Auto {
		s := fmt.Sprintf("search for the highest rate of %s in at most %d steps", strings.Join(r.Workloads, ", "), r.MaxSteps)
		if len(r.SLO) > 0 {
			exprs := make([]string, len(r.SLO))
			for i, g := range r.SLO {
				exprs[i] = g.Expr
			}
			s += " meeting " + strings.Join(exprs, ", ")
		}
		return s
	}
	rates := make([]string, len(r.Rates))
	for i, x := range r.Rates {
		rates[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprintf("sweep of %s at %s/s", strings.Join(r.Workloads, ", "), strings.Join(rates, ","))
}
