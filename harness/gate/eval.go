package gate

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Evaluate checks each gate of a scenario against the run's result, for
// result.Result.Gates. A gate that does not parse, names a workload or a
// figure the result lacks, or reads a workload marked invalid fails, and its
// Detail says why: a gate passes only on figures that prove it.
func Evaluate(r *result.Result, gates []scenario.Gate) []result.Gate {
	out := make([]result.Gate, 0, len(gates))
	for _, g := range gates {
		e, err := Parse(g.Expr)
		if err != nil {
			var se *SyntaxError
			msg := err.Error()
			if errors.As(err, &se) {
				msg = fmt.Sprintf("col %d: %s", se.Col, se.Msg)
			}
			out = append(out, result.Gate{Expr: g.Expr, Detail: msg})
			continue
		}
		out = append(out, e.Eval(r))
	}
	return out
}

// Failed counts the gates that did not pass: a run with any exits 1.
func Failed(gates []result.Gate) int {
	n := 0
	for _, g := range gates {
		if !g.OK {
			n++
		}
	}
	return n
}

// Eval checks the expression against r. Value is the measured figure, the
// value of the first side that names a metric, in Unit: the unit the
// expression's constant is written in ("reqrep.p99 < 50ms" gives ms), or
// else the figure's own (us, /s, B/s, count). A gate that could not be
// read has Value 0 and Unit "".
func (e *Expr) Eval(r *result.Result) result.Gate {
	g := result.Gate{Expr: e.src}
	lv, err := e.left.value(r)
	if err != nil {
		g.Detail = err.Error()
		return g
	}
	rv, err := e.right.value(r)
	if err != nil {
		g.Detail = err.Error()
		return g
	}
	g.Value = lv
	if e.left.metric == nil {
		g.Value = rv
	}
	u := e.valueUnit()
	g.Value /= u.scale
	g.Unit = u.name
	g.OK = compare(lv, e.op, rv)
	verb := ""
	if !g.OK {
		verb = "not "
	}
	g.Detail = fmt.Sprintf("%s, %s%s %s", e.left.describe(lv), verb, e.op, e.right.describe(rv))
	return g
}

// valueUnit is the unit Eval gives Value in: the first unit written on
// either side (the constant's), else the dimension's own.
func (e *Expr) valueUnit() unit {
	for _, s := range []side{e.left, e.right} {
		if s.unit.dim != dimNone {
			return s.unit
		}
	}
	for _, s := range []side{e.left, e.right} {
		if u, ok := baseUnits[s.dim]; ok {
			return u
		}
	}
	return baseUnits[dimCount] // a metric is always of a dimension; a bare factor cannot be alone
}

func compare(l float64, op string, r float64) bool {
	switch op {
	case "<":
		return l < r
	case "<=":
		return l <= r
	case ">":
		return l > r
	case ">=":
		return l >= r
	case "==":
		return l == r
	case "!=":
		return l != r
	}
	return false
}

// value reads the side from r.
func (s side) value(r *result.Result) (float64, error) {
	if s.metric == nil {
		return s.factor, nil
	}
	m := s.metric
	i := slices.IndexFunc(r.Workloads, func(w result.Workload) bool { return w.Name == m.workload })
	if i < 0 {
		names := make([]string, len(r.Workloads))
		for j, w := range r.Workloads {
			names[j] = w.Name
		}
		return 0, fmt.Errorf("%s: no workload %q in the result (it has %s)", m.text, m.workload, orNone(names))
	}
	w := &r.Workloads[i]
	switch {
	case !w.Valid:
		return 0, fmt.Errorf("%s: workload %s is marked invalid (%s), so its figures prove nothing", m.text, w.Name, w.Invalid)
	case m.f.latency && samples(m.field, w) == 0:
		return 0, fmt.Errorf("%s: workload %s has no latency samples", m.text, w.Name)
	}
	v := s.factor * m.f.get(w)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s: not a finite number (%g)", s.text, v)
	}
	return v, nil
}

// describe writes the side with its value: "reqrep.p99 = 12.35ms", or the
// constant as written.
func (s side) describe(v float64) string {
	if s.metric == nil {
		return s.text
	}
	return fmt.Sprintf("%s = %s", s.text, format(v, s.dim))
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
