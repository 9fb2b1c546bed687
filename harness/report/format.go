package report

import (
	"bytes"
	"strconv"
	"strings"
)

// table writes a Markdown table; cells are escaped here.
func table(b *bytes.Buffer, head []string, rows [][]string) {
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + cell(c) + " |")
		}
		b.WriteString("\n")
	}
	row(head)
	b.WriteString("|")
	for range head {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		row(r)
	}
	b.WriteString("\n")
}

// cell keeps a value on one line and inside its table cell.
func cell(s string) string {
	if s == "" {
		return "–"
	}
	return strings.ReplaceAll(inline(s), "|", `\|`)
}

// inline folds line breaks so a value cannot end a paragraph or a row.
func inline(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func or(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func verdict(ok bool, why string) string {
	if ok {
		return "yes"
	}
	if why == "" {
		return "no"
	}
	return "no: " + why
}

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "FAIL"
}

// num prints a float in the shortest form that reads back the same.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// ms prints microseconds as milliseconds to the microsecond.
func ms(us float64) string { return strconv.FormatFloat(us/1000, 'f', 3, 64) }

func rate(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func seconds(s float64) string { return num(s) + " s" }

func offset(s float64) string { return strconv.FormatFloat(s, 'f', 3, 64) }

func optSeconds(p *float64) string {
	if p == nil {
		return "–"
	}
	return strconv.FormatFloat(*p, 'f', 3, 64) + " s"
}
