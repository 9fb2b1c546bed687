package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nngbench/nngbench/harness/gate"
	"github.com/nngbench/nngbench/harness/report"
)

func gateCmd() *cobra.Command {
	var (
		baseline, candidate, margin, markdown, charts string
		alpha                                         float64
		ab                                            abFlags
	)
	cmd := &cobra.Command{
		Use:   "gate --baseline DIR --candidate DIR | --against REF [--baseline DIR]",
		Short: "Compare repeated runs with a baseline: exit 0 pass, 1 regression, 2 missing or incomparable input",
		Long: `gate compares the runs under --candidate with those under --baseline, scenario by
scenario and workload by workload: p50, p99, p99.9 and recv_rate across the runs
(Mann-Whitney U, one-sided, Holm-adjusted over every comparison so that --alpha is
the false-alarm rate of the whole gate). A comparison fails only when it is
significant and worse than the baseline's median by more than --max-regression.
Each folder holds OUT/<scenario>/run-NN/result.json (--repeat) or
OUT/<scenario>/result.json, or is a scenario's own folder.

With --against REF (a commit, branch or tag of the git tree in the current
folder) gate makes both sides itself: it builds REF's programs from a
worktree of REF into a cache keyed by its commit, then runs --scenarios
--repeat times with REF's nngbench and this one in turn (a b a b), into
--out/base and --out/candidate, and compares those. When REF cannot be used
(it does not resolve, as in a clone without history; it does not build; or
its nngbench refuses or fails the scenarios) and --baseline is given, the
candidate's runs are compared with --baseline instead; the output says
which baseline was used and why.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			maxReg, err := parseFraction(margin)
			if err != nil {
				return usageError{fmt.Errorf("gate: --max-regression: %w", err)}
			}
			var provenance []string
			switch {
			case ab.against != "":
				if candidate != "" {
					return usageError{errors.New("gate: --against makes the candidate's runs: give no --candidate")}
				}
				fbMargin := maxReg
				if ab.fallback != "" {
					if fbMargin, err = parseFraction(ab.fallback); err != nil {
						return usageError{fmt.Errorf("gate: --fallback-max-regression: %w", err)}
					}
				}
				var fellBack bool
				baseline, candidate, provenance, fellBack, err = ab.sides(cmd.Context(), baseline, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				if fellBack {
					maxReg = fbMargin
				}
			case baseline == "" || candidate == "":
				return usageError{errors.New("gate: --baseline and --candidate are both required (or --against REF)")}
			}
			rep, err := gate.CompareDirs(baseline, candidate, gate.Options{MaxRegression: maxReg, Alpha: alpha})
			if err != nil {
				return usageError{err}
			}
			rep.Provenance = provenance
			if err := writeGate(cmd.OutOrStdout(), rep, markdown, charts); err != nil {
				return err
			}
			return gateVerdict(rep, ab.candGates)
		},
	}
	f := cmd.Flags()
	f.StringVar(&baseline, "baseline", "", "folder of the baseline's runs")
	f.StringVar(&candidate, "candidate", "", "folder of the candidate's runs")
	f.StringVar(&margin, "max-regression", "10%", "largest change for the worse that passes even when significant (10% or 0.1)")
	f.Float64Var(&alpha, "alpha", gate.DefaultAlpha, "false-alarm rate of the whole gate")
	f.StringVar(&markdown, "markdown", "", "also write the table as Markdown to this file (for a PR comment or job summary)")
	f.StringVar(&charts, "charts", "", "also draw, per scenario in both, DIR/<scenario>/compare.png and compare.md of the runs' medians")
	ab.register(f)
	return cmd
}

// writeGate prints rep, and writes its Markdown and charts where asked.
func writeGate(out io.Writer, rep *gate.Report, markdown, charts string) error {
	if err := rep.WriteText(out); err != nil {
		return err
	}
	if markdown != "" {
		var b strings.Builder
		if err := rep.WriteMarkdown(&b); err != nil {
			return err
		}
		if err := os.WriteFile(markdown, []byte(b.String()), 0o644); err != nil {
			return fmt.Errorf("gate: %w", err)
		}
	}
	if charts != "" {
		if err := writeCharts(charts, rep.Baseline, rep.Candidate); err != nil {
			return fmt.Errorf("gate: --charts: %w", err)
		}
	}
	return nil
}

// gateVerdict is the command's error for rep's verdict: a regression
// (exit 1), incomparable input (exit 2), or the candidate's own scenario
// gates failing in candGates (exit 1, as nngbench run does).
func gateVerdict(rep *gate.Report, candGates []string) error {
	switch rep.Verdict {
	case gate.Regression:
		return errors.New(rep.Summary()) // exitGate
	case gate.Incomparable:
		return usageError{errors.New(rep.Summary())}
	case gate.Pass:
	}
	if len(candGates) > 0 {
		return fmt.Errorf("gate: the candidate's scenario gates failed in %s", strings.Join(candGates, ", "))
	}
	return nil
}

// writeCharts draws candidate against baseline for each scenario both have,
// from the median of each side's runs.
func writeCharts(dir, baseline, candidate string) error {
	base, err := gate.LoadRuns(baseline)
	if err != nil {
		return err
	}
	cand, err := gate.LoadRuns(candidate)
	if err != nil {
		return err
	}
	for _, name := range cand.Names() {
		b, c := gate.Median(base.Scenarios[name]), gate.Median(cand.Scenarios[name])
		if b == nil || c == nil {
			continue // not on both sides, or no valid run: the table says so
		}
		if err := report.WriteComparison(filepath.Join(dir, name), b, c); err != nil {
			return err
		}
	}
	return nil
}

// parseFraction reads 10% or 0.1 as 0.1; it must be positive.
func parseFraction(s string) (float64, error) {
	num, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("bad fraction %q (want e.g. 10%% or 0.1)", s)
	}
	if pct {
		v /= 100
	}
	if !(v > 0) || v > 1e6 {
		return 0, fmt.Errorf("%q must be above 0", s)
	}
	return v, nil
}
