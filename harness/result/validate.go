package result

import (
	"fmt"
	"strings"
	"time"
)

// Validate reports every inconsistency in r, one per line, each with its
// field path (workloads[1].model: ...), wrapped in ErrInvalid. It checks the
// shape of the record, not whether the run was good: that is Valid's job.
// A SchemaVersion of 0 is taken as unset (Write fills it in); read from a
// file, it is a problem.
func (r *Result) Validate() error {
	c := *r
	if c.SchemaVersion == 0 {
		c.SchemaVersion = SchemaVersion
	}
	if probs := c.problems(); len(probs) > 0 {
		return &invalidError{problems: probs}
	}
	return nil
}

type invalidError struct {
	file     string // "" from Validate
	problems []string
}

func (e *invalidError) Error() string {
	prefix := "result: "
	if e.file != "" {
		prefix = e.file + ": "
	}
	return prefix + strings.Join(e.problems, "\n"+prefix)
}

func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

// checker collects problems with their field paths.
type checker struct{ probs []string }

func (c *checker) add(field, format string, args ...any) {
	c.probs = append(c.probs, field+": "+fmt.Sprintf(format, args...))
}

func (c *checker) nonNegative(field string, v float64) {
	if v < 0 {
		c.add(field, "must not be negative, got %g", v)
	}
}

func (c *checker) required(field, v string) {
	if v == "" {
		c.add(field, "must not be empty")
	}
}

// writable checks that t can be written back: a time parsed from an odd offset
// (+24:00) reads but does not write.
func (c *checker) writable(field string, t time.Time) {
	if _, err := t.MarshalText(); err != nil {
		c.add(field, "%v", err)
	}
}

// verdict checks that a record marked invalid says why, and one marked
// valid does not.
func (c *checker) verdict(field string, valid bool, reasons int) {
	switch {
	case valid && reasons > 0:
		c.add(field, "valid, yet gives reasons why not")
	case !valid && reasons == 0:
		c.add(field, "invalid without a reason")
	}
}

func (r *Result) problems() []string {
	var c checker
	if r.Schema != Schema {
		c.add("schema", "must be %s, got %q", Schema, r.Schema)
	}
	if r.SchemaVersion != SchemaVersion {
		c.add("schema_version", "must be %d, got %d", SchemaVersion, r.SchemaVersion)
	}
	c.required("scenario", r.Scenario)
	c.nonNegative("workers", float64(r.Workers))
	c.nonNegative("duration_s", r.DurationS)
	c.nonNegative("warmup_s", r.WarmupS)
	c.writable("started_at", r.StartedAt)
	names := map[string]bool{}
	for i, w := range r.Workloads {
		w.check(&c, fmt.Sprintf("workloads[%d]", i))
		if names[w.Name] {
			c.add(fmt.Sprintf("workloads[%d].name", i), "%q is used twice", w.Name)
		}
		names[w.Name] = true
	}
	for i, f := range r.Faults {
		p := fmt.Sprintf("faults[%d]", i)
		c.required(p+".name", f.Name)
		c.required(p+".kind", f.Kind)
		c.nonNegative(p+".for_s", f.ForS)
		c.writable(p+".started_at", f.StartedAt)
		c.writable(p+".ended_at", f.EndedAt)
	}
	for i, ch := range r.Checks {
		c.required(fmt.Sprintf("checks[%d].name", i), ch.Name)
		if ch.WaitS != nil {
			c.nonNegative(fmt.Sprintf("checks[%d].wait_s", i), *ch.WaitS)
		}
	}
	for i, rc := range r.Recovery {
		rc.check(&c, fmt.Sprintf("recovery[%d]", i))
	}
	for i, g := range r.Gates {
		c.required(fmt.Sprintf("gates[%d].expr", i), g.Expr)
	}
	c.verdict("valid", r.Valid, len(r.Invalid))
	return c.probs
}

func (w *Workload) check(c *checker, p string) {
	if !fileSafe(w.Name) {
		c.add(p+".name", "%q must be letters, digits, '-', '_' or '.' (not first): it names the .hgrm files", w.Name)
	}
	if w.Model != ModelOpen && w.Model != ModelClosed {
		c.add(p+".model", "must be %q or %q, got %q", ModelOpen, ModelClosed, w.Model)
	}
	c.nonNegative(p+".planned_rate_per_s", w.PlannedRate)
	c.nonNegative(p+".concurrency", float64(w.Concurrency))
	for _, n := range []struct {
		field string
		v     int64
	}{
		{"sent", w.Sent}, {"received", w.Received}, {"errors", w.Errors}, {"timeouts", w.Timeouts},
		{"lost", w.Lost}, {"duplicated", w.Duplicated}, {"reordered", w.Reordered},
	} {
		c.nonNegative(p+"."+n.field, float64(n.v))
	}
	for i, ph := range w.Phases {
		if ph.Phase != PhaseBefore && ph.Phase != PhaseDuring && ph.Phase != PhaseAfter {
			c.add(fmt.Sprintf("%s.phases[%d].phase", p, i), "must be %q, %q or %q, got %q",
				PhaseBefore, PhaseDuring, PhaseAfter, ph.Phase)
		}
	}
	reasons := 0
	if w.Invalid != "" {
		reasons = 1
	}
	c.verdict(p+".valid", w.Valid, reasons)
}

func (rc *Recovery) check(c *checker, p string) {
	c.required(p+".fault", rc.Fault)
	for _, d := range []struct {
		field string
		v     *float64
	}{
		{"detection_s", rc.DetectionS}, {"migration_s", rc.MigrationS},
		{"convergence_s", rc.ConvergenceS}, {"performance_s", rc.PerformanceS},
	} {
		if d.v != nil {
			c.nonNegative(p+"."+d.field, *d.v)
		}
	}
}

// fileSafe says whether name can be a file name on every system we run on
// without escaping the result folder or hiding itself.
func fileSafe(name string) bool {
	if name == "" || name[0] == '.' || len(name) > 200 {
		return false
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return false
		}
	}
	return true
}
