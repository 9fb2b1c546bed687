package gate

import (
	"errors"
	"fmt"
	"slices"

	"github.com/nngbench/nngbench/harness/scenario"
)

// Check parses every gate of s and checks the workloads each names,
// before anything runs. It returns one *scenario.Error per problem, joined,
// as FILE:LINE: gates[i]: col N: problem.
func Check(s *scenario.Scenario) error {
	names := make([]string, len(s.Workloads))
	for i, w := range s.Workloads {
		names[i] = w.Name
	}
	var errs []error
	for i, g := range s.Gates {
		bad := func(col int, msg string) {
			errs = append(errs, &scenario.Error{File: s.File, Line: g.Line, Field: fmt.Sprintf("gates[%d]", i),
				Msg: fmt.Sprintf("col %d: %s", col, msg)})
		}
		e, err := Parse(g.Expr)
		var se *SyntaxError
		switch {
		case errors.As(err, &se):
			bad(se.Col, se.Msg)
			continue
		case err != nil:
			bad(1, err.Error())
			continue
		}
		reported := ""
		for _, sd := range []side{e.left, e.right} {
			if m := sd.metric; m != nil && !slices.Contains(names, m.workload) && m.workload != reported {
				reported = m.workload
				bad(m.col, fmt.Sprintf("no workload %q in the scenario (it has %s)", m.workload, orNone(names)))
			}
		}
	}
	return errors.Join(errs...)
}
