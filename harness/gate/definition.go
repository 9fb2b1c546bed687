package gate

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nngbench/nngbench/harness/result"
)

// setting is one line of a run's definition as result.json records it.
type setting struct{ key, value string }

// definition lists what a run was asked to do and where, everything that
// should be the same for two sets of runs to compare: workers, transport,
// durations, the workloads' load and the fault timeline, the machine. The
// commit, seed, host name and times are left out: they differ on purpose.
// Only the workloads named in common are listed, since those missing on
// one side are reported on their own.
func definition(r *result.Result, common []string) []setting {
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	m := r.Machine
	out := []setting{
		{"workers", strconv.Itoa(r.Workers)},
		{"transport", r.Transport},
		{"duration_s", g(r.DurationS)},
		{"warmup_s", g(r.WarmupS)},
		{"machine.cpu", m.CPU},
		{"machine.cores", strconv.Itoa(m.Cores)},
		{"machine.go_version", m.GoVersion},
		{"machine.os", m.OS + "/" + m.Arch},
	}
	for _, w := range r.Workloads {
		if !slices.Contains(common, w.Name) {
			continue
		}
		p := "workloads." + w.Name + "."
		out = append(out,
			setting{p + "pattern", w.Pattern}, setting{p + "mode", w.Mode}, setting{p + "model", w.Model},
			setting{p + "planned_rate", g(w.PlannedRate)}, setting{p + "concurrency", strconv.Itoa(w.Concurrency)})
	}
	out = append(out, setting{"faults", strconv.Itoa(len(r.Faults))})
	for i, f := range r.Faults {
		params, _ := json.Marshal(f.Params) // maps marshal with sorted keys; JSON values always encode
		out = append(out, setting{fmt.Sprintf("faults[%d]", i), fmt.Sprintf(
			"%s %s target=%s link=%s direction=%s at=%ss for=%ss params=%s",
			f.Name, f.Kind, f.Target, f.Link, f.Direction, g(f.AtS), g(f.ForS), params)})
	}
	return out
}

// differences says where the definitions of the baseline's and the
// candidate's runs differ, and where the runs of one side differ among
// themselves, one line each, in the order of definition.
func differences(base, cand []Run, common []string) []string {
	bv, order := values(base, common, nil)
	cv, order := values(cand, common, order)
	var out []string
	for _, k := range order {
		b, c := bv[k], cv[k]
		for _, side := range []struct {
			name string
			vals []string
		}{{"baseline", b}, {"candidate", c}} {
			if len(side.vals) > 1 {
				out = append(out, fmt.Sprintf("%s: the %s runs differ among themselves: %s", k, side.name, strings.Join(side.vals, " | ")))
			}
		}
		if !slices.Equal(b, c) {
			out = append(out, fmt.Sprintf("%s: %s → %s", k, orDash(b), orDash(c)))
		}
	}
	return out
}

// values collects, for each key, the distinct values over the runs, in
// order of first appearance; order gains the keys not seen before.
func values(runs []Run, common, order []string) (map[string][]string, []string) {
	vals := map[string][]string{}
	for _, r := range runs {
		for _, s := range definition(r.Result, common) {
			if !slices.Contains(order, s.key) {
				order = append(order, s.key)
			}
			if !slices.Contains(vals[s.key], s.value) {
				vals[s.key] = append(vals[s.key], s.value)
			}
		}
	}
	return vals, order
}

func orDash(vals []string) string {
	if len(vals) == 0 {
		return "(none)"
	}
	return strings.Join(vals, " | ")
}
