package report

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/nngbench/nngbench/harness/result"
)

// pointDir matches the folder of one point of a sweep (SweepPointDir).
var pointDir = regexp.MustCompile(`^workers-[0-9]+$`)

// ratePointDir matches the folder of a point of a rate sweep (rate-R, or a
// search's step-NN): those runs are the sweep's, which its sweep.json and
// sweep.md sum up, and are left out of the suite's tables.
var ratePointDir = regexp.MustCompile(`^(rate-[0-9.]+|step-[0-9]+)$`)

// inRateSweep says whether the folder dir (slash-separated) is, or is
// under, a point of a rate sweep.
func inRateSweep(dir string) bool {
	return slices.ContainsFunc(strings.Split(dir, "/"), ratePointDir.MatchString)
}

// run is one result.json of the suite.
type run struct {
	r     *result.Result
	dir   string // its folder, relative to the suite's root, slash-separated
	sweep string // the sweep's folder when it is a point of one; "" otherwise
}

// group is the folder that orders the run: its sweep's, or its own.
func (u run) group() string {
	if u.sweep != "" {
		return u.sweep
	}
	return u.dir
}

// label names the run in tables: its scenario, and its worker count when
// it is a point of a sweep.
func (u run) label() string {
	if u.sweep != "" {
		if u.r.Workers == 1 {
			return u.r.Scenario + ", 1 worker"
		}
		return fmt.Sprintf("%s, %d workers", u.r.Scenario, u.r.Workers)
	}
	return u.r.Scenario
}

// Suite reads every result.json under root (result.ReadDir) and renders the
// scenario suite's section of RESULTS.md (see SuiteMarkdown). Any file it
// cannot read fails it: a summary that leaves a run out would mislead.
func Suite(root, link string) ([]byte, error) {
	entries, err := result.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("report: suite: %w", err)
	}
	return SuiteMarkdown(root, link, entries)
}

// SuiteMarkdown renders the section of RESULTS.md on the scenario suite: a
// table of every workload of every run, impl beside raw with overhead
// ratios, the sweeps, and the machines the runs came from. entries lie under
// root: root/<scenario>/result.json, and root/<sweep>/workers-N/result.json
// for each point of a sweep. link is the path from the folder of the
// Markdown to root (slash-separated; "reports/latest" for RESULTS.md at the
// repository root), and every link is link/<folder>/report.md or sweep.md.
// Runs come in path order, so the same tree gives the same bytes. The
// points of rate sweeps are left out (see ratePointDir).
func SuiteMarkdown(root, link string, entries []result.Entry) ([]byte, error) {
	runs := make([]run, 0, len(entries))
	for _, e := range entries {
		if e.Result == nil {
			return nil, fmt.Errorf("report: suite: %s: %w", e.Path, ErrNilResult)
		}
		rel, err := filepath.Rel(root, filepath.Dir(e.Path))
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("report: suite: %s is not under %s", e.Path, root)
		}
		u := run{r: e.Result, dir: filepath.ToSlash(rel)}
		if inRateSweep(u.dir) {
			continue
		}
		if parent := path.Dir(u.dir); pointDir.MatchString(path.Base(u.dir)) && parent != "." {
			u.sweep = parent
		}
		runs = append(runs, u)
	}
	// Path order, but a sweep's points by worker count: workers-2 before
	// workers-16.
	slices.SortStableFunc(runs, func(a, b run) int {
		if c := strings.Compare(a.group(), b.group()); c != 0 {
			return c
		}
		if a.sweep != "" {
			return a.r.Workers - b.r.Workers
		}
		return strings.Compare(a.dir, b.dir)
	})
	s := suite{runs: runs, link: link}
	var b bytes.Buffer
	b.WriteString("## Scenario suite\n\n")
	if len(runs) == 0 {
		b.WriteString("No results.\n")
		return b.Bytes(), nil
	}
	s.writeIntro(&b)
	s.writeSummary(&b)
	s.writeImplRaw(&b)
	s.writeSweeps(&b)
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n'), nil
}

type suite struct {
	runs []run
	link string
}

// href is the link to file in the folder dir of the suite.
func (s suite) href(dir, file string) string {
	return path.Join(s.link, dir, file)
}

func (s suite) reportLink(u run) string {
	return "[" + u.label() + "](" + s.href(u.dir, MarkdownFile) + ")"
}

func (s suite) writeIntro(b *bytes.Buffer) {
	valid := 0
	var machines, commits []string
	for _, u := range s.runs {
		if u.r.Valid {
			valid++
		}
		if m := machine(u.r.Machine); !slices.Contains(machines, m) {
			machines = append(machines, m)
		}
		if c := or(u.r.Machine.Commit); !slices.Contains(commits, c) {
			commits = append(commits, c)
		}
	}
	fmt.Fprintf(b, "%d runs, %d of them valid, read from the result.json files under `%s`. "+
		"Each scenario links to its report.md, with its plots, faults and checks. "+
		"Latencies are corrected for coordinated omission (timed from the intended send).\n\n",
		len(s.runs), valid, s.link)
	if len(machines) == 1 {
		fmt.Fprintf(b, "Machine: %s. Commit: %s.\n\n", machines[0], strings.Join(commits, ", "))
	} else {
		fmt.Fprintf(b, "**The runs come from %d machines**, whose figures do not compare: %s. Commits: %s.\n\n",
			len(machines), strings.Join(machines, "; "), strings.Join(commits, ", "))
	}
}

func (s suite) writeSummary(b *bytes.Buffer) {
	b.WriteString("### Summary\n\n")
	var rows [][]string
	for _, u := range s.runs {
		for _, w := range u.r.Workloads {
			planned := "–"
			if w.Model == result.ModelOpen {
				planned = rate(w.PlannedRate)
			}
			rows = append(rows, []string{s.reportLink(u), fmt.Sprint(u.r.Workers), w.Name, or(w.Pattern),
				or(w.Mode), or(w.Model), planned, rate(w.SendRate), rate(w.RecvRate),
				ms(w.Latency.P50), ms(w.Latency.P99), ms(w.Latency.P999),
				fmt.Sprint(w.Lost), fmt.Sprint(w.Duplicated), verdict(w.Valid, w.Invalid)})
		}
	}
	if len(rows) == 0 {
		b.WriteString("No workloads.\n\n")
		return
	}
	table(b, []string{"Scenario", "Workers", "Workload", "Pattern", "Mode", "Model", "Planned (msg/s)",
		"Send (msg/s)", "Recv (msg/s)", "p50 (ms)", "p99 (ms)", "p99.9 (ms)", "Lost", "Duplicated", "Valid"}, rows)
}

// suitePair is an impl workload beside a raw one of the same pattern.
type suitePair struct {
	pattern    string
	impl, raw  result.Workload
	iRun, rRun run
	sameRun    bool
}

// pairs are the impl/raw pairs of the suite: first those within one run
// (pairModes), then each impl workload left over beside the first raw one
// left over in another run with the same pattern, model and planned rate,
// such as a scenario written as the other's raw twin. Points of sweeps pair
// only within their run.
func (s suite) pairs() []suitePair {
	var out []suitePair
	type loose struct {
		w result.Workload
		u run
	}
	var impls, raws []loose
	for _, u := range s.runs {
		_, is, rs, unpaired := pairModes(u.r.Workloads)
		for i := range is {
			out = append(out, suitePair{pattern: is[i].Pattern, impl: is[i], raw: rs[i], iRun: u, rRun: u, sameRun: true})
		}
		if u.sweep != "" {
			continue
		}
		for _, w := range unpaired {
			if w.Mode == modeImpl {
				impls = append(impls, loose{w, u})
			} else {
				raws = append(raws, loose{w, u})
			}
		}
	}
	for _, i := range impls {
		k := slices.IndexFunc(raws, func(r loose) bool {
			return r.u.dir != i.u.dir && r.w.Pattern == i.w.Pattern && r.w.Model == i.w.Model &&
				r.w.PlannedRate == i.w.PlannedRate
		})
		if k < 0 {
			continue
		}
		r := raws[k]
		raws = slices.Delete(raws, k, k+1)
		out = append(out, suitePair{pattern: i.w.Pattern, impl: i.w, raw: r.w, iRun: i.u, rRun: r.u})
	}
	return out
}

func (s suite) writeImplRaw(b *bytes.Buffer) {
	b.WriteString("### impl beside raw\n\n")
	pairs := s.pairs()
	if len(pairs) == 0 {
		b.WriteString("No pattern ran both through impl and over bare mangos.\n\n")
		return
	}
	b.WriteString("Each pattern through impl/ beside the same pattern over bare mangos: in the same run, or else " +
		"in a run of its own at the same planned rate (whose conditions, faults included, may differ: " +
		"see both reports). Ratios are impl/raw: above 1 for latency is impl's overhead; below 1 for " +
		"the receive rate is throughput impl loses.\n\n")
	var rows [][]string
	for _, p := range pairs {
		row := []string{p.pattern, s.reportLink(p.iRun) + ": " + p.impl.Name, s.reportLink(p.rRun) + ": " + p.raw.Name,
			map[bool]string{true: "yes", false: "no"}[p.sameRun]}
		for _, m := range comparedMetrics {
			a, r := m.value(p.impl), m.value(p.raw)
			row = append(row, m.format(a)+" / "+m.format(r), ratio(a, r))
		}
		rows = append(rows, row)
	}
	table(b, []string{"Pattern", "impl", "raw", "Same run", "p50 impl / raw (ms)", "p50 ratio",
		"p99 impl / raw (ms)", "p99 ratio", "p99.9 impl / raw (ms)", "p99.9 ratio",
		"Recv impl / raw (msg/s)", "Recv ratio"}, rows)
}

func (s suite) writeSweeps(b *bytes.Buffer) {
	var order []string
	counts := map[string][]string{}
	name := map[string]string{}
	for _, u := range s.runs {
		if u.sweep == "" {
			continue
		}
		if _, ok := counts[u.sweep]; !ok {
			order = append(order, u.sweep)
			name[u.sweep] = u.r.Scenario
		}
		counts[u.sweep] = append(counts[u.sweep], fmt.Sprint(u.r.Workers))
	}
	if len(order) == 0 {
		return
	}
	b.WriteString("### Sweeps\n\nThe same scenario at several worker counts; each sweep.md tables every point " +
		"and plots throughput and p99 against the worker count.\n\n")
	rows := make([][]string, 0, len(order))
	for _, d := range order {
		rows = append(rows, []string{"[" + name[d] + "](" + s.href(d, SweepMarkdownFile) + ")",
			strings.Join(counts[d], ", "), "[" + ScalingFile + "](" + s.href(d, ScalingFile) + ")"})
	}
	table(b, []string{"Sweep", "Workers", "Figure"}, rows)
}
