package gate

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Summary says the verdict in one line.
func (rep *Report) Summary() string {
	m := fmt.Sprintf("%d comparison%s", rep.Comparisons, plural(rep.Comparisons))
	switch rep.Verdict {
	case Regression:
		n := 0
		for _, s := range rep.Scenarios {
			for _, r := range s.Rows {
				if r.Verdict == RowRegression {
					n++
				}
			}
		}
		return fmt.Sprintf("REGRESSION: %d of %s significantly worse than the baseline by more than %s", n, m, pct(rep.Options.MaxRegression))
	case Incomparable:
		return fmt.Sprintf("INCOMPARABLE: %d problem%s with the input (see above); no regression shown", len(rep.Problems), plural(len(rep.Problems)))
	case Pass:
	}
	return fmt.Sprintf("PASS: no significant regression beyond %s in %s", pct(rep.Options.MaxRegression), m)
}

// method describes the test in a sentence, for both outputs.
func (rep *Report) method() string {
	mw := func(alpha float64) string {
		return fmt.Sprintf("Mann-Whitney U over the runs (one-sided: is the candidate worse?), p Holm-adjusted over %d comparison%s; "+
			"a row fails when p <= %g and its median is worse than the baseline's by more than %s. ",
			rep.Comparisons, plural(rep.Comparisons), alpha, pct(rep.Options.MaxRegression))
	}
	tail := fmt.Sprintf("At least %d runs on each side are needed for any row to reach significance. "+
		"Values are medians over the runs, ± the largest deviation from it.", rep.RunsNeeded)
	if rep.Intervals == 0 {
		return mw(rep.Options.Alpha) + tail
	}
	return mw(rep.Options.Alpha) +
		fmt.Sprintf("The ratio interval bounds candidate/baseline of the percentile of the runs' merged histograms "+
			"(a bootstrap of runs, then of operations within them), each bound one-sided at %.3g (alpha/2 over %d row%s); "+
			"it is shown, not deciding. ", rep.Options.Alpha/2/float64(rep.Intervals), rep.Intervals, plural(rep.Intervals)) + tail
}

var header = []string{"workload", "metric", "baseline", "candidate", "delta", "ratio interval", "p", "verdict"}

// cells formats a row for either output.
func (r Row) cells() []string {
	return []string{r.Workload, r.Metric, value(r.Base, r.BaseMedian, r.dim), value(r.Cand, r.CandMedian, r.dim),
		delta(r), interval(r.Lo, r.Hi), pValue(r.P), r.Verdict}
}

func interval(lo, hi float64) string {
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return "-"
	}
	return fmt.Sprintf("[%.3f, %.3f]", lo, hi)
}

func value(xs []float64, med float64, d dim) string {
	if len(xs) == 0 {
		return "-"
	}
	s := format(med, d)
	if len(xs) > 1 {
		s += " ±" + strconv.FormatFloat(100*spread(xs), 'f', 0, 64) + "%"
	}
	return s
}

func delta(r Row) string {
	switch {
	case len(r.Base) == 0 || len(r.Cand) == 0:
		return "-"
	case math.IsInf(r.Delta, 1):
		return "+∞"
	case math.IsInf(r.Delta, -1):
		return "-∞"
	case math.Abs(r.Delta) < 0.0005: // not "-0.0%"
		return "0.0%"
	}
	return fmt.Sprintf("%+.1f%%", 100*r.Delta)
}

func pValue(p float64) string {
	if math.IsNaN(p) {
		return "-"
	}
	return strconv.FormatFloat(p, 'g', 3, 64)
}

func pct(f float64) string { return strconv.FormatFloat(100*f, 'g', 4, 64) + "%" }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// WriteText writes the report as a terminal table, benchstat-like.
func (rep *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "baseline:  %s\ncandidate: %s\n", rep.Baseline, rep.Candidate)
	for _, p := range rep.Provenance {
		b.WriteString(p + "\n")
	}
	fmt.Fprintf(&b, "%s\n", rep.method())
	for _, s := range rep.Scenarios {
		fmt.Fprintf(&b, "\n%s (%d baseline run%s, %d candidate run%s)\n", s.Name, s.BaseRuns, plural(s.BaseRuns), s.CandRuns, plural(s.CandRuns))
		if len(s.Differences) > 0 {
			b.WriteString("  definitions differ (compared anyway):\n")
			for _, d := range s.Differences {
				b.WriteString("    " + d + "\n")
			}
		}
		for _, n := range s.Notes {
			b.WriteString("  note: " + n + "\n")
		}
		if len(s.Rows) == 0 {
			continue
		}
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  %s\n", strings.Join(header, "\t"))
		for _, r := range s.Rows {
			fmt.Fprintf(tw, "  %s\n", strings.Join(r.cells(), "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, n := range rep.Notes {
		b.WriteString("\nnote: " + n + "\n")
	}
	if len(rep.Problems) > 0 {
		b.WriteString("\nproblems (input that could not be compared):\n")
		for _, p := range rep.Problems {
			b.WriteString("  - " + p + "\n")
		}
	}
	b.WriteString("\n" + rep.Summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes the report as GitHub Markdown, for a pull request
// comment or a job summary.
func (rep *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## nngbench gate: %s\n\n", rep.Verdict)
	fmt.Fprintf(&b, "%s\n\n", md(rep.Summary()))
	fmt.Fprintf(&b, "Baseline `%s`, candidate `%s`. %s\n", rep.Baseline, rep.Candidate, md(rep.method()))
	mdList(&b, "\n", rep.Provenance)
	for _, s := range rep.Scenarios {
		fmt.Fprintf(&b, "\n### %s\n\n%d baseline run%s, %d candidate run%s.\n", md(s.Name), s.BaseRuns, plural(s.BaseRuns), s.CandRuns, plural(s.CandRuns))
		mdList(&b, "\nDefinitions differ (compared anyway):\n\n", s.Differences)
		mdList(&b, "\nNotes:\n\n", s.Notes)
		if len(s.Rows) == 0 {
			continue
		}
		b.WriteString("\n| " + strings.Join(header, " | ") + " |\n|" + strings.Repeat(" --- |", len(header)) + "\n")
		for _, r := range s.Rows {
			c := r.cells()
			for i := range c {
				c[i] = md(c[i])
			}
			if r.Verdict == RowRegression {
				c[len(c)-1] = "**" + c[len(c)-1] + "**"
			}
			b.WriteString("| " + strings.Join(c, " | ") + " |\n")
		}
	}
	mdList(&b, "\n### Notes\n\n", rep.Notes)
	mdList(&b, "\n### Problems\n\nInput that could not be compared:\n\n", rep.Problems)
	_, err := io.WriteString(w, b.String())
	return err
}

// mdList writes intro and items as a Markdown list; nothing when there are none.
func mdList(b *strings.Builder, intro string, items []string) {
	if len(items) == 0 {
		return
	}
	b.WriteString(intro)
	for _, it := range items {
		b.WriteString("- " + md(it) + "\n")
	}
}

// md escapes the characters that would break a table cell or start
// emphasis.
func md(s string) string {
	return strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;").Replace(s)
}
