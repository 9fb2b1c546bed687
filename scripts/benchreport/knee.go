package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/nngbench/nngbench/harness/report"
)

// writeKnees writes the section on the suite's rate sweeps, from every
// sweep.json under dir: each swept workload's knee (the highest rate that
// stayed valid and met the SLO), and for a pattern searched both through
// impl and over bare mangos in one sweep, the two maxima and their ratio.
// Nothing when the suite has no rate sweep.
func writeKnees(w io.Writer, dir, out string) error {
	if dir == "" {
		return nil
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == report.RateSweepFile {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return nil
	}
	slices.Sort(files)
	var b bytes.Buffer
	b.WriteString("## The knee: the highest rate that holds\n\n")
	b.WriteString("Each rate sweep of the suite searched (doubling, then bisecting) for the highest planned rate at " +
		"which each swept workload stayed valid (its generator within 1% of plan) and met the sweep's SLO, each " +
		"swept workload searched alone (its runs hold no other swept workload). The achieved rate is what was " +
		"received at that rate; each sweep.md has every step, and latency-vs-rate.png the curve.\n\n")
	var rows, ratios [][]string
	for _, f := range files {
		rs, err := report.ReadRateSweep(f)
		if err != nil {
			return err
		}
		link, err := relLink(filepath.Dir(out), filepath.Dir(f))
		if err != nil {
			return fmt.Errorf("linking %s from %s: %w", f, out, err)
		}
		name := "[" + rs.Scenario + "](" + path.Join(link, report.SweepMarkdownFile) + ")"
		for _, s := range rs.Workloads {
			rows = append(rows, []string{name, s.Name, s.Pattern, s.Mode, kneeRate(s.Knee), kneeRate(s.KneeAchieved()),
				strconv.Itoa(len(s.Points)), strings.Join(s.Objectives, "; ")})
		}
		for _, pair := range implRaw(rs.Workloads) {
			ratio := "–"
			if pair[0].Knee > 0 && pair[1].Knee > 0 {
				ratio = strconv.FormatFloat(pair[0].Knee/pair[1].Knee, 'f', 2, 64) + "x"
			}
			ratios = append(ratios, []string{name, pair[0].Pattern, pair[0].Name + ": " + kneeRate(pair[0].Knee),
				pair[1].Name + ": " + kneeRate(pair[1].Knee), ratio})
		}
	}
	mdTable(&b, []string{"Sweep", "Workload", "Pattern", "Mode", "Knee, planned (msg/s)", "Achieved there (msg/s)",
		"Steps", "SLO"}, rows)
	if len(ratios) > 0 {
		b.WriteString("impl beside raw: the maxima of each pattern and impl's share of bare mangos' (impl/raw).\n\n")
		mdTable(&b, []string{"Sweep", "Pattern", "impl maximum (msg/s)", "raw maximum (msg/s)", "impl/raw"}, ratios)
	}
	_, err = w.Write(b.Bytes())
	return err
}

// implRaw pairs each impl series with the first raw one of its pattern.
func implRaw(series []report.RateSeries) [][2]report.RateSeries {
	var out [][2]report.RateSeries
	used := map[int]bool{}
	for _, i := range series {
		if i.Mode != "impl" {
			continue
		}
		for k, r := range series {
			if r.Mode == "raw" && r.Pattern == i.Pattern && !used[k] {
				used[k] = true
				out = append(out, [2]report.RateSeries{i, r})
				break
			}
		}
	}
	return out
}

func kneeRate(v float64) string {
	if v <= 0 {
		return "none passed"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// mdTable writes a Markdown table.
func mdTable(b *bytes.Buffer, head []string, rows [][]string) {
	line := func(cells []string) {
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	line(head)
	b.WriteString("|" + strings.Repeat("---|", len(head)) + "\n")
	for _, r := range rows {
		line(r)
	}
	b.WriteString("\n")
}
