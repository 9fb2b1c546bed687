package result

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// shapeProblem is a place where the JSON does not fit the Go type: a key
// the type lacks (matched by exact case, where encoding/json would accept
// "Sent" for "sent"), a key given twice (encoding/json keeps the last in
// silence), or a value of the wrong kind.
type shapeProblem struct {
	off  int64 // where the key or value starts
	path string
	msg  string
}

// errShapeSyntax is the walk meeting JSON it cannot read: it cannot happen
// for data that encoding/json has accepted.
var errShapeSyntax = errors.New("result: shape check: invalid JSON")

// maxShapeDepth bounds the walk's nesting, and so its stack, at
// encoding/json's own limit: a file nested deeper is refused by it anyway.
const maxShapeDepth = 10000

// checkShape walks data, already known to be valid JSON, beside the Go type
// t and returns every problem, each with its path and position, where
// encoding/json stops at the first, cannot say where an unknown field is,
// and leaves the list indices out of its paths.
//
// The walk reads the bytes itself: encoding/json's Token allocates for
// every token (and more for every number), which for a result of 600,000
// intervals came to gigabytes. It keeps only the path it is on, as a
// stack, writes a path out only for a problem, and keys alias data, so its
// memory does not grow with the file.
func checkShape(data []byte, t reflect.Type) []shapeProblem {
	w := shapeWalk{data: data, fields: map[reflect.Type]map[string]reflect.Type{}}
	if err := w.value(t); err != nil {
		// Cannot happen for valid JSON; say so rather than pass in silence.
		w.out = append(w.out, shapeProblem{off: int64(w.pos), msg: err.Error()})
	}
	return w.out
}

type shapeWalk struct {
	data []byte
	pos  int // the next byte to read
	out  []shapeProblem
	path []pathStep // where the walk is
	// seen[d] holds the keys of the object open at depth d, reused from
	// one object to the next.
	seen []keySet
	// fields caches each struct type's JSON keys and their types.
	fields map[reflect.Type]map[string]reflect.Type
}

// pathStep is one step of a path: a key, or an index when index >= 0.
type pathStep struct {
	key   []byte
	index int
}

// keySet is the keys of one object: a list scanned in order, since objects
// here have a dozen keys or so and a map would have to be made for each of
// hundreds of thousands, and a map once the list grows long (a params
// object of many keys must not cost a quadratic scan).
type keySet struct {
	list [][]byte
	m    map[string]bool
}

const keySetListMax = 32

// add notes key and says whether it was there already.
func (k *keySet) add(key []byte) bool {
	if k.m != nil {
		dup := k.m[string(key)]
		k.m[string(key)] = true
		return dup
	}
	for _, s := range k.list {
		if bytes.Equal(s, key) {
			return true
		}
	}
	k.list = append(k.list, key)
	if len(k.list) > keySetListMax {
		k.m = make(map[string]bool, 2*len(k.list))
		for _, s := range k.list {
			k.m[string(s)] = true
		}
	}
	return false
}

func (k *keySet) reset() { k.list, k.m = k.list[:0], nil }

// pathString writes the path as the messages give it: workloads[1].model.
func (w *shapeWalk) pathString() string {
	var b strings.Builder
	for i, s := range w.path {
		switch {
		case s.index >= 0:
			fmt.Fprintf(&b, "[%d]", s.index)
		case i > 0:
			b.WriteByte('.')
			b.Write(s.key)
		default:
			b.Write(s.key)
		}
	}
	return b.String()
}

func (w *shapeWalk) problem(off int, msg string) {
	w.out = append(w.out, shapeProblem{int64(off), w.pathString(), msg})
}

var timeType = reflect.TypeFor[time.Time]()

// token kinds of next.
const (
	tokString = '"'
	tokNumber = '0'
	tokTrue   = 't'
	tokFalse  = 'f'
	tokNull   = 'n'
)

// next reads one token: its kind ('{', '}', '[', ']', ':', ',' or one of
// the tok kinds) and its bytes, strings with their quotes.
func (w *shapeWalk) next() (kind byte, start int, raw []byte, err error) {
	d := w.data
	for w.pos < len(d) && (d[w.pos] == ' ' || d[w.pos] == '\t' || d[w.pos] == '\r' || d[w.pos] == '\n') {
		w.pos++
	}
	start = w.pos
	if start >= len(d) {
		return 0, start, nil, errShapeSyntax
	}
	switch c := d[start]; {
	case c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',':
		w.pos++
		return c, start, d[start:w.pos], nil
	case c == '"':
		i := start + 1
		for i < len(d) && d[i] != '"' {
			if d[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(d) {
			return 0, start, nil, errShapeSyntax
		}
		w.pos = i + 1
		return tokString, start, d[start:w.pos], nil
	case c == '-' || c >= '0' && c <= '9':
		i := start + 1
		for i < len(d) && strings.IndexByte("0123456789.eE+-", d[i]) >= 0 {
			i++
		}
		w.pos = i
		return tokNumber, start, d[start:i], nil
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(d[start:], []byte(lit)) {
				w.pos += len(lit)
				return c, start, d[start:w.pos], nil
			}
		}
	}
	return 0, start, nil, errShapeSyntax
}

// value reads one value at w.path; t is its Go type, nil when anything
// goes (inside map[string]any, or below a problem already reported).
func (w *shapeWalk) value(t reflect.Type) error {
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && t.Kind() == reflect.Interface {
		t = nil // any JSON at all
	}
	kind, start, raw, err := w.next()
	if err != nil {
		return err
	}
	if t != nil && !fits(kind, raw, t) {
		w.problem(start, fmt.Sprintf("got %s, want %s", describeToken(kind, raw), describe(t)))
		t = nil // one problem per value, not one per key inside it
	}
	if (kind == '{' || kind == '[') && len(w.path) >= maxShapeDepth {
		return errShapeSyntax // encoding/json refuses it too, and says so
	}
	switch kind {
	case '{':
		return w.object(t)
	case '[':
		var elem reflect.Type
		if t != nil {
			elem = t.Elem()
		}
		return w.list(elem)
	case tokString, tokNumber, tokTrue, tokFalse, tokNull:
		return nil
	}
	return errShapeSyntax
}

func (w *shapeWalk) list(elem reflect.Type) error {
	depth := len(w.path)
	w.path = append(w.path, pathStep{})
	defer func() { w.path = w.path[:depth] }()
	for i := 0; ; i++ {
		if w.peek() == ']' {
			w.pos++
			return nil
		}
		w.path[depth] = pathStep{index: i}
		if err := w.value(elem); err != nil {
			return err
		}
		if err := w.separator(']'); err != nil {
			return err
		}
	}
}

func (w *shapeWalk) object(t reflect.Type) error {
	depth := len(w.path)
	for len(w.seen) <= depth {
		w.seen = append(w.seen, keySet{})
	}
	w.seen[depth].reset()
	w.path = append(w.path, pathStep{index: -1})
	defer func() { w.path = w.path[:depth] }()
	for {
		if w.peek() == '}' {
			w.pos++
			return nil
		}
		kind, off, raw, err := w.next()
		if err != nil || kind != tokString {
			return errShapeSyntax
		}
		key := unquote(raw)
		w.path[depth] = pathStep{key: key, index: -1}
		if w.seen[depth].add(key) {
			w.problem(off, "appears twice")
		}
		ft, known := w.fieldType(t, key)
		if !known {
			w.problem(off, unknownMsg(t, string(key)))
		}
		if kind, _, _, err := w.next(); err != nil || kind != ':' {
			return errShapeSyntax
		}
		if err := w.value(ft); err != nil {
			return err
		}
		if err := w.separator('}'); err != nil {
			return err
		}
	}
}

// peek is the next byte that is not white space, 0 at the end.
func (w *shapeWalk) peek() byte {
	for ; w.pos < len(w.data); w.pos++ {
		switch c := w.data[w.pos]; c {
		case ' ', '\t', '\r', '\n':
		default:
			return c
		}
	}
	return 0
}

// separator reads the ',' between two members, leaving the closing one
// for the loop to find.
func (w *shapeWalk) separator(closing byte) error {
	switch w.peek() {
	case ',':
		w.pos++
		return nil
	case closing:
		return nil
	}
	return errShapeSyntax
}

// unquote is a JSON string's text; raw is returned without its quotes
// when it has no escapes, as keys almost always do, so nothing is copied.
func unquote(raw []byte) []byte {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return inner
	}
	return []byte(s)
}

// fieldType is the Go type the key decodes into, and whether the key is
// allowed at all.
func (w *shapeWalk) fieldType(t reflect.Type, key []byte) (reflect.Type, bool) {
	switch {
	case t == nil:
		return nil, true
	case t.Kind() == reflect.Map:
		return t.Elem(), true
	case t.Kind() != reflect.Struct:
		return nil, false
	}
	fields, ok := w.fields[t]
	if !ok {
		fields = map[string]reflect.Type{}
		for i := range t.NumField() {
			f := t.Field(i)
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" && f.IsExported() {
				fields[name] = f.Type
			}
		}
		w.fields[t] = fields
	}
	ft, ok := fields[string(key)]
	return ft, ok
}

// unknownMsg names the field the key was probably meant to be.
func unknownMsg(t reflect.Type, key string) string {
	if t == nil || t.Kind() != reflect.Struct {
		return "unknown field"
	}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if strings.EqualFold(name, key) {
			return fmt.Sprintf("unknown field (did you mean %q?)", name)
		}
	}
	return "unknown field"
}
