// Package ab runs a change against its base in one job: it builds the
// base commit's programs from a worktree of it into a cache keyed by the
// commit, then runs the scenarios with the base's and the candidate's
// nngbench in turn (a b a b), so that both sides meet the machine alike.
// Shared CI machines drift by up to 2x between batches; interleaved, the
// drift falls on both sides and a 10% margin holds. The gate then
// compares the two folders as it compares any two (harness/gate).
package ab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/nngbench/nngbench/harness/result"
)

// ErrUnusable marks a base that cannot be compared with: its commit does
// not resolve or build, or its programs cannot run the scenarios (a
// schema or an API that changed in between). The caller falls back to a
// committed baseline and says why.
var ErrUnusable = errors.New("ab: base unusable")

// Options configure Run.
type Options struct {
	// Repo is the git work tree of the candidate; default ".".
	Repo string
	// Ref names the base: a commit, branch or tag ("origin/main",
	// "HEAD~1"); required.
	Ref string
	// Scenarios are the scenario files, relative to Repo or absolute;
	// both sides run the candidate's files. Required.
	Scenarios []string
	// Repeat is the runs on each side; default 5.
	Repeat int
	// Out gets Out/base/run-NN and Out/candidate/run-NN; required.
	Out string
	// CandidateBin holds the candidate's nngbench (beside its worker and
	// controlplane); required.
	CandidateBin string
	// Cache holds each base's programs under Cache/<commit>/bin; default
	// the user cache's nngbench/ab.
	Cache string
	// Log gets a line per build and run, and the programs' output of a
	// failed one; nil discards.
	Log io.Writer
}

func (o Options) withDefaults() (Options, error) {
	if o.Repo == "" {
		o.Repo = "."
	}
	if o.Repeat == 0 {
		o.Repeat = 5
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Cache == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return o, fmt.Errorf("ab: cache: %w", err)
		}
		o.Cache = filepath.Join(dir, "nngbench", "ab")
	}
	var errs []error
	if o.Ref == "" {
		errs = append(errs, errors.New("ab: ref: required"))
	}
	if len(o.Scenarios) == 0 {
		errs = append(errs, errors.New("ab: scenarios: required"))
	}
	if o.Repeat < 1 {
		errs = append(errs, fmt.Errorf("ab: repeat: must be >= 1, got %d", o.Repeat))
	}
	if o.Out == "" {
		errs = append(errs, errors.New("ab: out: required"))
	}
	if o.CandidateBin == "" {
		errs = append(errs, errors.New("ab: candidate bin: required"))
	}
	return o, errors.Join(errs...)
}

// Outcome is what Run did.
type Outcome struct {
	Base, Candidate  string // commits; the candidate's ends in "-dirty" with local changes
	BaseBin          string // where the base's programs are
	Built            bool   // false: they came from the cache
	BaseDir, CandDir string // the two folders of runs, for the gate
	// BaseGatesFailed and CandGatesFailed list the runs whose scenario
	// gates ("commands.p99 < 50ms") failed: those runs completed and are
	// compared; the caller decides what the candidate's failures mean.
	BaseGatesFailed, CandGatesFailed []string
}

// Run builds (or finds) the base's programs and runs the scenarios
// Repeat times on each side, base first in each pair. A base that cannot
// be used is an ErrUnusable, with the reason; a candidate that fails is a
// plain error.
func Run(ctx context.Context, o Options) (*Outcome, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	base, err := resolve(ctx, o.Repo, o.Ref)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Base: base, Candidate: candidateCommit(ctx, o.Repo),
		BaseDir: filepath.Join(o.Out, "base"), CandDir: filepath.Join(o.Out, "candidate")}
	if out.BaseBin, out.Built, err = Build(ctx, o.Repo, base, o.Cache, o.Log); err != nil {
		return out, err
	}
	files := make([]string, len(o.Scenarios))
	for i, f := range o.Scenarios {
		if files[i], err = filepath.Abs(f); err != nil {
			return out, fmt.Errorf("ab: %w", err)
		}
	}
	// The base must accept the candidate's files before anything runs.
	if msg, err := program(ctx, out.BaseBin, append([]string{"validate"}, files...)...); err != nil {
		return out, fmt.Errorf("%w: %s's nngbench refuses the scenarios: %s", ErrUnusable, short(base), msg)
	}
	if err := os.RemoveAll(o.Out); err != nil {
		return out, fmt.Errorf("ab: %w", err)
	}
	for i := 1; i <= o.Repeat; i++ {
		run := fmt.Sprintf("run-%02d", i)
		for _, side := range []struct {
			name, bin, dir string
			base           bool
		}{{"base", out.BaseBin, out.BaseDir, true}, {"candidate", o.CandidateBin, out.CandDir, false}} {
			fmt.Fprintf(o.Log, "ab: %s %s\n", side.name, run)
			args := append([]string{"run", "--quiet", "--out", filepath.Join(side.dir, run)}, files...)
			msg, err := program(ctx, side.bin, args...)
			if err != nil && Completed(filepath.Join(side.dir, run), len(files)) {
				// Exit 1 with every result written: the run completed and
				// its scenario gates failed.
				if side.base {
					out.BaseGatesFailed = append(out.BaseGatesFailed, run)
				} else {
					out.CandGatesFailed = append(out.CandGatesFailed, run)
				}
				err = nil
			}
			switch {
			case err == nil:
			case ctx.Err() != nil:
				return out, ctx.Err()
			case side.base:
				return out, fmt.Errorf("%w: %s's nngbench could not run the scenarios (%s %s): %s", ErrUnusable, short(base), side.name, run, msg)
			default:
				return out, fmt.Errorf("ab: the candidate's nngbench failed (%s): %s", run, msg)
			}
		}
	}
	return out, nil
}

// Completed is true when dir holds n results, at least one of them with
// a failed scenario gate: what nngbench run leaves when it exits 1 for
// its gates rather than for a failure.
func Completed(dir string, n int) bool {
	entries, err := result.ReadDir(dir)
	if err != nil || len(entries) != n {
		return false
	}
	for _, e := range entries {
		for _, g := range e.Result.Gates {
			if !g.OK {
				return true
			}
		}
	}
	return false
}

// Build returns the folder with commit's programs, building them from a
// worktree of repo into cache/<commit>/bin unless an earlier build is
// there (built reports which). A commit that does not build is an
// ErrUnusable.
func Build(ctx context.Context, repo, commit, cache string, log io.Writer) (bin string, built bool, err error) {
	dir := filepath.Join(cache, commit)
	bin = filepath.Join(dir, "bin")
	if _, err := os.Stat(filepath.Join(bin, "nngbench")); err == nil {
		fmt.Fprintf(log, "ab: %s's programs from the cache, %s\n", short(commit), bin)
		return bin, false, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, fmt.Errorf("ab: cache: %w", err)
	}
	tree, err := os.MkdirTemp(dir, "tree-")
	if err != nil {
		return "", false, fmt.Errorf("ab: cache: %w", err)
	}
	defer func() {
		_, _ = git(context.WithoutCancel(ctx), repo, "worktree", "remove", "--force", tree)
		_ = os.RemoveAll(tree)
		_, _ = git(context.WithoutCancel(ctx), repo, "worktree", "prune")
	}()
	if msg, err := git(ctx, repo, "worktree", "add", "--detach", "--force", tree, commit); err != nil {
		return "", false, fmt.Errorf("%w: worktree of %s: %s", ErrUnusable, short(commit), msg)
	}
	fmt.Fprintf(log, "ab: building %s's programs into %s\n", short(commit), bin)
	tmp, err := os.MkdirTemp(dir, "bin-")
	if err != nil {
		return "", false, fmt.Errorf("ab: cache: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	cmd := exec.CommandContext(ctx, "go", "build", "-buildvcs=true", "-o", tmp+string(filepath.Separator), "./cmd/...")
	cmd.Dir = tree
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", false, fmt.Errorf("%w: %s does not build: %v: %s", ErrUnusable, short(commit), err, tail(b))
	}
	// Renamed into place whole, so that a build cut short, or two jobs
	// building the same commit, never leave a half-filled bin.
	if err := os.Rename(tmp, bin); err != nil {
		if _, serr := os.Stat(filepath.Join(bin, "nngbench")); serr == nil {
			return bin, true, nil // another job's build won the race
		}
		return "", false, fmt.Errorf("ab: cache: %w", err)
	}
	return bin, true, nil
}

// resolve is ref's commit; one that does not resolve is an ErrUnusable
// (a fresh clone without history has no base to build).
func resolve(ctx context.Context, repo, ref string) (string, error) {
	out, err := git(ctx, repo, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("%w: %s does not name a commit here: %s", ErrUnusable, ref, out)
	}
	return strings.TrimSpace(out), nil
}

// candidateCommit is HEAD, "-dirty" when the tree has local changes.
func candidateCommit(ctx context.Context, repo string) string {
	head, err := git(ctx, repo, "rev-parse", "HEAD")
	if err != nil {
		return "unknown"
	}
	head = strings.TrimSpace(head)
	if st, err := git(ctx, repo, "status", "--porcelain", "--untracked-files=no"); err == nil && strings.TrimSpace(st) != "" {
		head += "-dirty"
	}
	return head
}

func git(ctx context.Context, repo string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", repo}, args...)...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.String(), err
}

// program runs bin/nngbench with args and returns the tail of its output
// when it fails.
func program(ctx context.Context, bin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "nngbench"), args...)
	b, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Sprintf("%v: %s", err, tail(b)), err
	}
	return "", nil
}

// tail is the last lines of a program's output, enough to say why.
func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	return strings.Join(lines, "\n")
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
