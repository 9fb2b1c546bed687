package scenario

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder walks the yaml.Node tree by hand rather than using yaml.v3's
// struct decoding: that stops at the first problem, and keeps no line for
// the fields it did decode, which the cross-field checks need.
type decoder struct {
	file   string
	errs   []*Error
	seen   map[string]mark // by field path: "", "workloads[0]", "workloads[0].rate"
	merges int             // keys that merges (<<) may still bring in
	fatal  *Error          // a problem after which the rest would be noise
}

// mark is what the walk learnt about one field path.
type mark struct {
	line int  // of the key, or of the item for list elements
	set  bool // a value other than null was given
	bad  bool // a problem was reported here
}

// maxMerges bounds `<<` expansion: merges of merges of anchors can grow
// exponentially (the billion-laughs file), and no scenario needs so many.
const maxMerges = 100000

func newDecoder(file string) *decoder {
	return &decoder{file: file, seen: map[string]mark{}, merges: maxMerges}
}

// report records a problem at path. Line 0 means "where path was written",
// or its nearest parent when path is missing (a required field).
func (d *decoder) report(path string, line int, cause error, format string, args ...any) {
	if line == 0 {
		line = d.lineOf(path)
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Field: path, Msg: fmt.Sprintf(format, args...), cause: cause})
	m := d.seen[path]
	m.bad = true
	d.seen[path] = m
}

func (d *decoder) lineOf(path string) int {
	for p := path; ; p = parent(p) {
		if m := d.seen[p]; m.line > 0 {
			return m.line
		}
		if p == "" {
			return 0
		}
	}
}

// has reports whether path was given a non-null value; ok, whether it was
// given one without a problem, so that cross-field checks do not pile a
// second message onto a field already reported.
func (d *decoder) has(path string) bool { return d.seen[path].set }

func (d *decoder) ok(path string) bool { m := d.seen[path]; return m.set && !m.bad }

func child(path, key string) string {
	if !isName(key) {
		key = strconv.Quote(key) // an unknown key with dots or spaces must not look like a path
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func parent(path string) string {
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}

func isName(key string) bool {
	return key != "" && strings.Trim(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+") == ""
}

// deref follows aliases (*name) to the anchored node.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names a node's kind as a scenario author thinks of it.
func describe(n *yaml.Node) string {
	switch n = deref(n); n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing (null)"
		}
		return strconv.Quote(n.Value)
	default:
		return "a YAML document"
	}
}

// fields maps each key a mapping may hold to what decodes its value.
type fields map[string]func(v *yaml.Node, path string)

// mapping decodes n at path with fs. Unknown and repeated keys are
// reported; a null value leaves the field at its default. It returns false
// if n is not a mapping.
func (d *decoder) mapping(n *yaml.Node, path string, fs fields) bool {
	if n = deref(n); n.Kind != yaml.MappingNode {
		d.report(path, n.Line, nil, "expected a mapping, got %s", describe(n))
		return false
	}
	first := map[string]int{}
	for _, e := range d.entries(n, path) {
		if e.key.Kind != yaml.ScalarNode {
			d.report(path, e.key.Line, nil, "keys must be plain names, got %s", describe(e.key))
			continue
		}
		p := child(path, e.key.Value)
		if line, dup := first[e.key.Value]; dup {
			if !e.merged { // a merge supplies defaults: keys given again override them
				d.report(p, e.key.Line, nil, "repeated key (first at line %d)", line)
			}
			continue
		}
		first[e.key.Value] = e.key.Line
		decode, known := fs[e.key.Value]
		d.seen[p] = mark{line: e.key.Line, set: known && !isNull(e.val)}
		switch {
		case !known:
			d.report(p, e.key.Line, nil, "unknown field")
		case d.has(p):
			decode(e.val, p)
		}
	}
	return true
}

type entry struct {
	key, val *yaml.Node
	merged   bool // came in through a merge key (<<)
}

// entries lists n's pairs with merge keys expanded: n's own keys first, as
// they win over merged ones, then each merged mapping in order.
func (d *decoder) entries(n *yaml.Node, path string) []entry {
	var own, merged []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(v, path)...)
			continue
		}
		own = append(own, entry{key: k, val: v})
	}
	return append(own, merged...)
}

func (d *decoder) merge(v *yaml.Node, path string) []entry {
	sources := []*yaml.Node{v}
	if v = deref(v); v.Kind == yaml.SequenceNode {
		sources = v.Content
	}
	var out []entry
	for _, src := range sources {
		src = deref(src)
		if d.merges <= 0 {
			return out // reported when it ran out
		}
		if d.merges -= 1 + len(src.Content)/2; d.merges <= 0 {
			d.fatal = &Error{File: d.file, Line: d.lineOf(path), Field: path,
				Msg: fmt.Sprintf("merges (<<) expand to more than %d keys", maxMerges)}
			return out
		}
		if src.Kind != yaml.MappingNode {
			d.report(path, src.Line, nil, "a merge (<<) takes a mapping or a list of them, got %s", describe(src))
			continue
		}
		for _, e := range d.entries(src, path) {
			e.merged = true
			out = append(out, e)
		}
	}
	return out
}

// list calls item for each element of the sequence n at path.
func (d *decoder) list(n *yaml.Node, path string, item func(v *yaml.Node, path string)) {
	if deref(n).Kind != yaml.SequenceNode {
		d.report(path, 0, nil, "expected a list, got %s", describe(n))
		return
	}
	for i, v := range deref(n).Content {
		p := index(path, i)
		d.seen[p] = mark{line: v.Line, set: !isNull(v)} // v.Line, not deref(v)'s: where the item is used
		item(v, p)
	}
}

// scalar returns the text of n, or reports that a single value was wanted.
func (d *decoder) scalar(n *yaml.Node, path, want string) (string, bool) {
	if n = deref(n); n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		d.report(path, 0, nil, "expected %s, got %s", want, describe(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) str(n *yaml.Node, path string) (string, bool) { return d.scalar(n, path, "a string") }

// integer reads a whole number in [lo, hi]. Quoted numbers are refused: a
// string where a number belongs is usually a template gone wrong.
func (d *decoder) integer(n *yaml.Node, path string, lo, hi int64) (int64, bool) {
	var v int64
	if n = deref(n); n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		d.report(path, 0, nil, "expected a whole number, got %s", describe(n))
		return 0, false
	}
	switch {
	case (v < lo || v > hi) && hi == math.MaxInt64:
		d.report(path, 0, nil, "must be >= %d", lo)
	case v < lo || v > hi:
		d.report(path, 0, nil, "must be between %d and %d", lo, hi)
	default:
		return v, true
	}
	return 0, false
}

// fraction reads a number in [0, 1].
func (d *decoder) fraction(n *yaml.Node, path string) (float64, bool) {
	var v float64
	n = deref(n)
	if tag := n.ShortTag(); n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") || n.Decode(&v) != nil {
		d.report(path, 0, nil, "expected a number, got %s", describe(n))
		return 0, false
	}
	if !(v >= 0 && v <= 1) { // written so that NaN fails too
		d.report(path, 0, nil, "must be in [0,1]")
		return 0, false
	}
	return v, true
}

// duration reads a Go duration that must be > 0 when positive, else >= 0.
func (d *decoder) duration(n *yaml.Node, path string, positive bool) (time.Duration, bool) {
	s, ok := d.scalar(n, path, "a duration")
	if !ok {
		return 0, false
	}
	v, err := parseDuration(s)
	switch {
	case err != nil:
		d.report(path, 0, nil, "%s", err)
	case positive && v <= 0:
		d.report(path, 0, nil, "must be > 0")
	case v < 0:
		d.report(path, 0, nil, "must be >= 0")
	default:
		return v, true
	}
	return 0, false
}

// parsed reads a scalar with parse, reporting parse's error as the message.
func parsed[T any](d *decoder, n *yaml.Node, path, want string, parse func(string) (T, error)) (T, bool) {
	var zero T
	s, ok := d.scalar(n, path, want)
	if !ok {
		return zero, false
	}
	v, err := parse(s)
	if err != nil {
		var ee *enumError
		if errors.As(err, &ee) {
			d.report(path, 0, ee.kind, "%s", ee.message())
		} else {
			d.report(path, 0, nil, "%s", err)
		}
		return zero, false
	}
	return v, true
}
