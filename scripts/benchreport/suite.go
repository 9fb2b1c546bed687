package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

// writeSuite writes the scenario suite's section from the results tree at
// dir, with links relative to the folder of out; a note when there is no
// tree. A tree with a file it cannot read fails it.
func writeSuite(w io.Writer, dir, out string) error {
	absent := func(why string) error {
		_, err := fmt.Fprintf(w, "## Scenario suite\n\nNot in this file: %s.\n\n", why)
		return err
	}
	if dir == "" {
		return absent("no results tree was given (-suite)")
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return absent("`" + dir + "` does not exist; the suite did not run")
	}
	link, err := relLink(filepath.Dir(out), dir)
	if err != nil {
		return fmt.Errorf("linking %s from %s: %w", dir, out, err)
	}
	md, err := report.Suite(dir, link)
	if errors.Is(err, result.ErrNoResults) {
		return absent("`" + dir + "` holds no result.json; the suite did not run")
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", md)
	return err
}

// relLink is the path from the folder from to target, slash-separated.
func relLink(from, target string) (string, error) {
	from, err := filepath.Abs(from)
	if err != nil {
		return "", err
	}
	target, err = filepath.Abs(target)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(from, target)
	return filepath.ToSlash(rel), err
}
