package run

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

// repFolder matches the folders of a repeated run (Dir: run-01 ...).
var repFolder = regexp.MustCompile(`^run-[0-9]+$`)

// leftover says whether name, in a run's folder, is something a run
// writes there (the package comment lists them), so that an earlier run's
// copy must go before this run writes its own: a run that fails before
// its histograms would otherwise leave the earlier run's .hgrm beside its
// own result.json. Whatever else is in the folder is left alone.
func leftover(name string, dir bool) bool {
	switch {
	case dir:
		return name == ClusterDir || repFolder.MatchString(name)
	case name == result.FileName, name == history.FileName, name == report.MarkdownFile, name == peersLog:
		return true
	case strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp"):
		return true // a temporary file of an atomic write that never finished
	}
	switch filepath.Ext(name) {
	case ".hgrm", ".hlog", ".png":
		return true
	}
	return false
}

// clearFolder removes from dir what an earlier run left there; a missing
// dir is already clear.
func clearFolder(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("run: clearing %s: %w", dir, err)
	}
	var errs []error
	for _, e := range entries {
		if !leftover(e.Name(), e.IsDir()) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			errs = append(errs, fmt.Errorf("run: clearing %s: %w", dir, err))
		}
	}
	return errors.Join(errs...)
}
