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
	seen   marks  // by field path: "", "workloads[0]", "workloads[0].rate"
	merges int    // keys that merges (<<) may still bring in
	fatal  *Error // a problem after which the rest would be noise
	// merging holds the mappings whose merges are being expanded: one met
	// again merges itself (&a {<<: *a}), which would expand until the
	// budget ran out, copying ever longer lists on the way.
	merging map[*yaml.Node]bool
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
	return &decoder{file: file, seen: marks{flat: map[string]mark{}, lists: map[string]*listMarks{}}, merges: maxMerges}
}

// marks holds the mark of each field path. A path inside a list item
// ("workloads[12].rate") is kept with its list and item, in a slice by
// index, so that the checks of item i read one small record, where one map
// of every path in the file made each of their lookups a cache miss: a
// third of the time a million workloads took.
type marks struct {
	flat  map[string]mark       // paths in no list
	lists map[string]*listMarks // by the list's path
	last  *listMarks            // the list used last: most lookups are in it
}

type listMarks struct {
	path  string
	items [][]restMark
}

// restMark is the mark of the path rest (e.g. ".rate", "" for the item
// itself) under one item.
type restMark struct {
	rest string
	m    mark
}

// splitItem splits "L[i]R", R holding no '[', into L, i and R; false for a
// path in no list, or one whose last brackets are not a canonical index
// (inside a quoted key), which the flat map keeps.
func splitItem(p string) (list string, i int, rest string, ok bool) {
	open := strings.LastIndexByte(p, '[')
	if open < 0 {
		return "", 0, "", false
	}
	n := strings.IndexByte(p[open:], ']')
	if n < 0 {
		return "", 0, "", false
	}
	digits, rest := p[open+1:open+n], p[open+n+1:]
	if digits == "" || len(digits) > 9 || (digits[0] == '0' && digits != "0") || (rest != "" && rest[0] != '.') {
		return "", 0, "", false // what index writes, and nothing else, so that each path has one place
	}
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return "", 0, "", false
		}
		i = i*10 + int(c-'0')
	}
	return p[:open], i, rest, true
}

// list finds the marks of the list at path. It keeps no part of path (a
// copy if it must), so that the paths its callers build stay on the stack.
func (m *marks) list(path string, create bool) *listMarks {
	if m.last != nil && m.last.path == path {
		return m.last
	}
	l := m.lists[path]
	if l == nil && create {
		l = &listMarks{path: strings.Clone(path)}
		m.lists[l.path] = l
	}
	if l != nil {
		m.last = l
	}
	return l
}

func (m *marks) get(p string) mark {
	list, i, rest, ok := splitItem(p)
	if !ok {
		return m.flat[p]
	}
	return m.at(list, i, rest)
}

// at is get of the path list[i]rest, for a caller that holds the parts:
// checking a million workloads built and split a path for each lookup.
func (m *marks) at(list string, i int, rest string) mark {
	l := m.list(list, false)
	if l == nil || i >= len(l.items) {
		return mark{}
	}
	for _, r := range l.items[i] {
		if r.rest == rest {
			return r.m
		}
	}
	return mark{}
}

func (m *marks) set(p string, mk mark) {
	list, i, rest, ok := splitItem(p)
	if !ok {
		m.flat[p] = mk
		return
	}
	l := m.list(list, true)
	for len(l.items) <= i {
		l.items = append(l.items, nil)
	}
	item := l.items[i]
	for j := range item {
		if item[j].rest == rest {
			item[j].m = mk
			return
		}
	}
	if item == nil {
		item = make([]restMark, 0, 4) // an item and its few keys
	}
	l.items[i] = append(item, restMark{rest, mk}) // p, kept, is on the heap already
}

// itemMarks reads the marks under one list item without building and
// splitting a path for each lookup, as d.mark does: the checks of a
// million workloads spent a tenth of Parse doing that.
type itemMarks struct {
	m    *marks
	list string
	i    int
}

// item returns the marks under path, an item "L[i]" as index writes it.
func (d *decoder) item(path string) itemMarks {
	list, i, _, _ := splitItem(path)
	return itemMarks{m: &d.seen, list: list, i: i}
}

// mark is the mark of the item's path followed by rest (".rate"; "" for the
// item itself).
func (it itemMarks) mark(rest string) mark { return it.m.at(it.list, it.i, rest) }

func (it itemMarks) has(rest string) bool { return it.mark(rest).set }

func (it itemMarks) ok(rest string) bool { m := it.mark(rest); return m.set && !m.bad }

// mark returns what the walk learnt about path.
func (d *decoder) mark(path string) mark { return d.seen.get(path) }

// report records a problem at path. Line 0 means "where path was written",
// or its nearest parent when path is missing (a required field).
func (d *decoder) report(path string, line int, cause error, format string, args ...any) {
	if line == 0 {
		line = d.lineOf(path)
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Field: path, Msg: fmt.Sprintf(format, args...), cause: cause})
	m := d.seen.get(path)
	m.bad = true
	d.seen.set(path, m)
}

func (d *decoder) lineOf(path string) int {
	for p := path; ; p = parent(p) {
		if m := d.seen.get(p); m.line > 0 {
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
func (d *decoder) has(path string) bool { return d.seen.get(path).set }

func (d *decoder) ok(path string) bool { m := d.seen.get(path); return m.set && !m.bad }

func child(path, key string) string {
	if !isName(key) {
		key = strconv.Quote(key) // an unknown key with dots or spaces must not look like a path
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string {
	b := make([]byte, 0, len(path)+12)
	b = append(append(b, path...), '[')
	return string(append(strconv.AppendInt(b, int64(i), 10), ']'))
}

func parent(path string) string {
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}

// isName reports whether key can stand in a path unquoted. A loop, not
// strings.Trim, which builds its set of bytes on every call: a million
// workloads' keys made that a measurable share of Parse.
func isName(key string) bool {
	for _, c := range []byte(key) {
		if !isLowerOrDigit(c) && (c < 'A' || c > 'Z') && c != '_' && c != '+' {
			return false
		}
	}
	return key != ""
}

// isLowerOrDigit is a-z, 0-9 and '-': the bytes of a name.
func isLowerOrDigit(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' }

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
	return d.keys(n, path, func(key string) bool { _, ok := fs[key]; return ok },
		func(key string, v *yaml.Node, p string) { fs[key](v, p) })
}

// table is fields built once for a mapping that occurs many times (a
// workload): a fields literal there made a map and a closure per key for
// each of them, most of the time and memory that checking a million
// workloads took.
type table[T any] map[string]func(d *decoder, dst *T, v *yaml.Node, path string)

// mappingOf decodes n at path into dst with t, as mapping does.
func mappingOf[T any](d *decoder, n *yaml.Node, path string, t table[T], dst *T) bool {
	return d.keys(n, path, func(key string) bool { _, ok := t[key]; return ok },
		func(key string, v *yaml.Node, p string) { t[key](d, dst, v, p) })
}

// keys is mapping with known telling the keys it may hold and decode
// decoding one. Neither is kept, so the closures given stay on the stack.
func (d *decoder) keys(n *yaml.Node, path string, known func(key string) bool, decode func(key string, v *yaml.Node, p string)) bool {
	if n = deref(n); n.Kind != yaml.MappingNode {
		d.report(path, n.Line, nil, "expected a mapping, got %s", describe(n))
		return false
	}
	var first keyLines
	for _, e := range d.entries(n, path) {
		if e.key.Kind != yaml.ScalarNode {
			d.report(path, e.key.Line, nil, "keys must be plain names, got %s", describe(e.key))
			continue
		}
		p := child(path, e.key.Value)
		if line, dup := first.get(e.key.Value); dup {
			if !e.merged { // a merge supplies defaults: keys given again override them
				d.report(p, e.key.Line, nil, "repeated key (first at line %d)", line)
			}
			continue
		}
		first.add(e.key.Value, e.key.Line)
		isKnown := known(e.key.Value)
		set := isKnown && !isNull(e.val)
		d.seen.set(p, mark{line: e.key.Line, set: set})
		switch {
		case !isKnown:
			d.report(p, e.key.Line, nil, "unknown field")
		case set:
			decode(e.key.Value, e.val, p)
		}
	}
	return true
}

// keyLines is the keys of one mapping met so far, with their lines: a
// short list while small, as most mappings are (a map for each of a
// million workloads was most of the time it took to check them), and a
// map beyond, so that a mapping of many keys stays linear.
type keyLines struct {
	few  [8]entryLine
	n    int
	many map[string]int
}

type entryLine struct {
	key  string
	line int
}

func (k *keyLines) get(key string) (int, bool) {
	if k.many != nil {
		line, ok := k.many[key]
		return line, ok
	}
	for _, e := range k.few[:k.n] {
		if e.key == key {
			return e.line, true
		}
	}
	return 0, false
}

func (k *keyLines) add(key string, line int) {
	switch {
	case k.many != nil:
		k.many[key] = line
	case k.n < len(k.few):
		k.few[k.n] = entryLine{key, line}
		k.n++
	default:
		k.many = make(map[string]int, 2*len(k.few))
		for _, e := range k.few {
			k.many[e.key] = e.line
		}
		k.many[key] = line
	}
}

type entry struct {
	key, val *yaml.Node
	merged   bool // came in through a merge key (<<)
}

// entries lists n's pairs with merge keys expanded: n's own keys first, as
// they win over merged ones, then each merged mapping in order.
func (d *decoder) entries(n *yaml.Node, path string) []entry {
	own := make([]entry, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			return d.mergedEntries(n, path)
		}
		own = append(own, entry{key: k, val: n.Content[i+1]})
	}
	return own // no merge: nothing to expand, and no loop to guard against
}

// mergedEntries is entries for a mapping with merge keys.
func (d *decoder) mergedEntries(n *yaml.Node, path string) []entry {
	if d.merging[n] {
		d.report(path, n.Line, nil, "a merge (<<) includes the mapping it is in")
		return nil
	}
	if d.merging == nil {
		d.merging = map[*yaml.Node]bool{}
	}
	d.merging[n] = true
	defer delete(d.merging, n)
	own := make([]entry, 0, len(n.Content)/2)
	var merged []entry
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
		d.seen.set(p, mark{line: v.Line, set: !isNull(v)}) // v.Line, not deref(v)'s: where the item is used
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
