package gate

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// ErrSyntax is behind every error of Parse, for errors.Is.
var ErrSyntax = errors.New("gate: bad gate expression")

// SyntaxError is one problem with a gate expression, at a column.
type SyntaxError struct {
	Expr string
	Col  int // 1-based, in characters
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("gate %q: col %d: %s", e.Expr, e.Col, e.Msg) }

// Unwrap makes errors.Is(err, ErrSyntax) hold.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// Expr is one parsed gate: two sides and a comparison. Each side is a
// metric (WORKLOAD.FIELD) or a number, optionally multiplied by constants:
//
//	reqrep.p99 < 50ms
//	pushpull.lost == 0
//	pubsub.recv_rate >= 0.99 * pubsub.send_rate
//
// Latencies need a unit (ns, us, ms, s); counts and rates may be written
// bare; sizes take B, KiB, MiB or GiB (with or without /s); 99% is 0.99.
type Expr struct {
	src         string
	left, right side
	op          string
}

// side is one side of the comparison: factor times the metric, or factor
// alone when metric is nil.
type side struct {
	text   string // as written, trimmed
	col    int
	factor float64
	metric *metric
	dim    dim
	unit   unit // the unit a constant of the side is written in; zero when bare
}

type metric struct {
	workload, field string // field canonical (p999, not p99.9)
	text            string // as written
	col             int
	f               field
}

// String returns the expression as written.
func (e *Expr) String() string { return e.src }

// Workloads lists the workloads the expression names, in order, once each.
func (e *Expr) Workloads() []string {
	var out []string
	for _, s := range []side{e.left, e.right} {
		if s.metric != nil && !slices.Contains(out, s.metric.workload) {
			out = append(out, s.metric.workload)
		}
	}
	return out
}

// Parse reads a gate expression. Every error is a *SyntaxError with the
// column of the problem.
func Parse(expr string) (*Expr, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := parser{src: expr, toks: toks}
	e := &Expr{src: expr}
	if e.left, err = p.side(); err != nil {
		return nil, err
	}
	op := p.next()
	if !isComparison(op) {
		return nil, p.errAt(op, "want a comparison (<, <=, >, >=, == or !=) after %q, found %s", e.left.text, op.describe())
	}
	e.op = op.text
	if e.right, err = p.side(); err != nil {
		return nil, err
	}
	if t := p.next(); t.kind != tokEOF {
		return nil, p.errAt(t, "unexpected %s after the comparison (a gate compares two sides once)", t.describe())
	}
	return e, e.check()
}

// check compares what the two sides measure.
func (e *Expr) check() error {
	l, r := e.left, e.right
	switch {
	case l.metric == nil && r.metric == nil:
		return &SyntaxError{e.src, 1, "compares two constants: name a metric as WORKLOAD.FIELD, e.g. reqrep.p99"}
	case l.dim == r.dim:
		return nil
	case l.dim == dimNone && r.dim == dimTime:
		return &SyntaxError{e.src, l.col, fmt.Sprintf("%s is a latency: give %s a unit (us, ms or s)", r.text, l.text)}
	case r.dim == dimNone && l.dim == dimTime:
		return &SyntaxError{e.src, r.col, fmt.Sprintf("%s is a latency: give %s a unit (us, ms or s)", l.text, r.text)}
	case l.dim == dimNone || r.dim == dimNone:
		return nil // a bare number against a count or a rate
	}
	return &SyntaxError{e.src, r.col, fmt.Sprintf("cannot compare %s (%s) with %s (%s)", l.text, l.dim, r.text, r.dim)}
}

func isComparison(t token) bool {
	switch t.text {
	case "<", "<=", ">", ">=", "==", "!=":
		return t.kind == tokOp
	}
	return false
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokOp
)

type token struct {
	kind tokKind
	text string
	col  int // 1-based, in characters
	end  int // byte offset just past the token
	off  int // byte offset of the token
}

func (t token) describe() string {
	if t.kind == tokEOF {
		return "the end"
	}
	return fmt.Sprintf("%q", t.text)
}

// isWordRune says whether r can be part of a metric or a number with its
// unit: workload names are [a-z0-9-], fields [a-z0-9_.], units take
// letters, µ, '/' and '%'.
func isWordRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		strings.ContainsRune("._-%/µ+", r)
}

func lex(src string) ([]token, error) {
	var toks []token
	col := 0
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRuneInString(src[i:])
		col++
		start, startCol := i, col
		switch {
		case r == ' ' || r == '\t':
			i += n
			continue
		case strings.ContainsRune("<>=!", r):
			i += n
			if i < len(src) && src[i] == '=' {
				i++
				col++
			}
			text := src[start:i]
			switch text {
			case "=":
				return nil, &SyntaxError{src, startCol, `"=" is not a comparison: write ==`}
			case "!":
				return nil, &SyntaxError{src, startCol, `"!" alone is not a comparison: write !=`}
			}
			toks = append(toks, token{tokOp, text, startCol, i, start})
			continue
		case r == '*':
			i += n
			toks = append(toks, token{tokOp, "*", startCol, i, start})
			continue
		case r == '(' || r == ')':
			return nil, &SyntaxError{src, startCol, "parentheses are not part of a gate: one comparison, each side a metric or number times constants"}
		case !isWordRune(r):
			return nil, &SyntaxError{src, startCol, fmt.Sprintf("unexpected character %q", r)}
		}
		for i < len(src) {
			r, n := utf8.DecodeRuneInString(src[i:])
			if !isWordRune(r) {
				break
			}
			if i > start {
				col++
			}
			i += n
		}
		toks = append(toks, token{tokWord, src[start:i], startCol, i, start})
	}
	return append(toks, token{kind: tokEOF, col: col + 1, off: len(src), end: len(src)}), nil
}

type parser struct {
	src  string
	toks []token
	pos  int
}

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) errAt(t token, format string, args ...any) error {
	return &SyntaxError{p.src, t.col, fmt.Sprintf(format, args...)}
}

// side reads term ('*' term)*.
func (p *parser) side() (side, error) {
	first := p.peek()
	s := side{col: first.col, factor: 1}
	for {
		t := p.next()
		if err := p.term(t, &s); err != nil {
			return side{}, err
		}
		if p.peek().text != "*" || p.peek().kind != tokOp {
			s.text = strings.TrimSpace(p.src[first.off:t.end])
			return s, nil
		}
		p.next()
	}
}

// term adds one metric or number to s.
func (p *parser) term(t token, s *side) error {
	if t.kind != tokWord {
		return p.errAt(t, "want a metric (WORKLOAD.FIELD) or a number, found %s", t.describe())
	}
	var d dim
	if m, ok, err := p.metric(t); err != nil {
		return err
	} else if ok {
		if s.metric != nil {
			return p.errAt(t, "%s multiplies metric %s: only constants may multiply a metric", t.text, s.metric.text)
		}
		s.metric, d = m, m.f.dim
	} else {
		v, u, err := parseNumber(t.text)
		if err != nil {
			return p.errAt(t, "%v", err)
		}
		s.factor *= v
		d = u.dim
		if u.dim != dimNone {
			s.unit = u
		}
	}
	if d != dimNone && s.dim != dimNone {
		return p.errAt(t, "cannot multiply %s by %s: multiply only by a plain number", s.dim, d)
	}
	if d != dimNone {
		s.dim = d
	}
	return nil
}

// metric reads WORKLOAD.FIELD; ok is false when the word is a number.
func (p *parser) metric(t token) (*metric, bool, error) {
	w := t.text
	dot := strings.IndexByte(w, '.')
	isMetric := dot > 0 && dot+1 < len(w) && !isDigit(w[dot+1])
	if !isMetric {
		if len(w) > 0 && (isDigit(w[0]) || w[0] == '.' || w[0] == '-') {
			return nil, false, nil
		}
		if dot < 0 {
			return nil, false, p.errAt(t, "%q is neither a number nor WORKLOAD.FIELD (e.g. %s.p99)", w, w)
		}
		return nil, false, p.errAt(t, "%q is neither a number nor WORKLOAD.FIELD", w)
	}
	name, fieldName := w[:dot], w[dot+1:]
	if strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return nil, false, p.errAt(t, "bad workload name %q: only a-z, 0-9 and '-'", name)
	}
	canon, f, ok := lookupField(fieldName)
	if !ok {
		return nil, false, p.errAt(t, "unknown field %q (want %s)", fieldName, fieldHelp)
	}
	return &metric{workload: name, field: canon, text: w, col: t.col, f: f}, true, nil
}
