package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/nngbench/nngbench/harness/ab"
)

// abFlags are gate's flags for comparing with a commit (--against).
type abFlags struct {
	against   string
	scenarios []string
	repeat    int
	out       string
	cache     string
	fallback  string // --fallback-max-regression

	candGates []string // the candidate's runs whose scenario gates failed
}

func (a *abFlags) register(f *pflag.FlagSet) {
	f.StringVar(&a.against, "against", "", "compare with this commit (branch, tag), built and run interleaved in this job")
	f.StringSliceVar(&a.scenarios, "scenarios", []string{"scenarios/ci/pushpull.yaml", "scenarios/ci/reqrep.yaml"},
		"with --against: the scenario files both sides run")
	f.IntVar(&a.repeat, "repeat", 5, "with --against: runs on each side")
	f.StringVar(&a.out, "out", "reports/gate-ab", "with --against: folder of both sides' runs (OUT/base, OUT/candidate)")
	f.StringVar(&a.cache, "cache", "", "with --against: where built commits are kept (default the user cache's nngbench/ab)")
	f.StringVar(&a.fallback, "fallback-max-regression", "", "with --against: the margin when the committed --baseline stands in "+
		"(measured elsewhere, it needs a wider one; default --max-regression)")
}

// sides makes the two folders to compare: both sides run here, or, when
// the commit cannot be used and a committed baseline is given, the
// candidate's runs against that baseline. It returns the folders and
// lines saying where each came from.
func (a *abFlags) sides(ctx context.Context, fallback string, log io.Writer) (base, cand string, provenance []string, fellBack bool, err error) {
	if a.repeat < 1 {
		return "", "", nil, false, usageError{fmt.Errorf("gate: --repeat %d: must be >= 1", a.repeat)}
	}
	self, err := os.Executable()
	if err != nil {
		return "", "", nil, false, fmt.Errorf("gate: %w", err)
	}
	bin := filepath.Dir(self)
	out, err := ab.Run(ctx, ab.Options{Ref: a.against, Scenarios: a.scenarios, Repeat: a.repeat, Out: a.out,
		CandidateBin: bin, Cache: a.cache, Log: log})
	switch {
	case err == nil:
		built := "from the cache"
		if out.Built {
			built = "built in this job"
		}
		prov := []string{
			fmt.Sprintf("baseline side: %s = %s (its programs %s, from a worktree of it)", a.against, out.Base, built),
			fmt.Sprintf("candidate side: %s (this nngbench)", out.Candidate),
			fmt.Sprintf("run here, interleaved a b a b: %d runs a side", a.repeat),
		}
		if len(out.BaseGatesFailed) > 0 {
			prov = append(prov, "the baseline's scenario gates failed in "+strings.Join(out.BaseGatesFailed, ", ")+" (compared anyway)")
		}
		if len(out.CandGatesFailed) > 0 {
			a.candGates = out.CandGatesFailed
			prov = append(prov, "the candidate's scenario gates failed in "+strings.Join(out.CandGatesFailed, ", "))
		}
		return out.BaseDir, out.CandDir, prov, false, nil
	case !errors.Is(err, ab.ErrUnusable):
		return "", "", nil, false, err
	case fallback == "":
		return "", "", nil, false, usageError{fmt.Errorf("gate: %w; and no --baseline to fall back on", err)}
	}
	why := err.Error()
	fmt.Fprintf(log, "gate: falling back on the committed baseline %s: %s\n", fallback, why)
	cand = filepath.Join(a.out, "candidate")
	if err := os.RemoveAll(a.out); err != nil {
		return "", "", nil, false, fmt.Errorf("gate: %w", err)
	}
	cmd := exec.CommandContext(ctx, self, append([]string{"run", "--quiet", "--repeat", fmt.Sprint(a.repeat), "--out", cand}, a.scenarios...)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		if !ab.Completed(cand, len(a.scenarios)*a.repeat) {
			return "", "", nil, false, fmt.Errorf("gate: the candidate's runs: %w", err)
		}
		a.candGates = []string{cand}
	}
	return fallback, cand, []string{
		fmt.Sprintf("baseline side: the committed baseline %s, because %s could not be used: %s", fallback, a.against, why),
		fmt.Sprintf("candidate side: %d runs of this nngbench, in this job", a.repeat),
	}, true, nil
}
