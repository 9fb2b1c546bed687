package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// walk reads the document once through encoding/json's token stream,
// checking each value against the Go type as it goes: unknown keys, wrong
// kinds, repeated keys and the limits. Its memory is linear in the file: the
// path of a value is a stack of segments, made into a string only for a
// struct field (whose line Validate's errors look up) or an error, and the
// nesting stops at Limits.MaxDepth.
type walk struct {
	dec   *json.Decoder
	data  []byte
	lim   Limits
	names map[string]bool // paths of the fields that must be names

	lines  lineCounter
	path   []string       // segments: "key" or "[i]"
	seen   map[string]int // struct field path -> line of its key
	errs   []*Error       // File is set by Decode
	fields map[reflect.Type]map[string]reflect.Type
}

// stop is returned up the walk when it cannot or need not go on: a syntax
// error, a value nested too deep, or too many problems.
type stop struct{ err *Error }

func (s *stop) Error() string { return s.err.Error() }

// lineCounter turns increasing byte offsets into line numbers in time
// linear in the file, where counting from the start for every value was
// quadratic.
type lineCounter struct {
	data      []byte
	off, line int
}

func (c *lineCounter) at(off int) int {
	off = min(max(off, 0), len(c.data))
	if c.line == 0 || off < c.off {
		c.off, c.line = 0, 1
	}
	c.line += bytes.Count(c.data[c.off:off], []byte("\n"))
	c.off = off
	return c.line
}

func newWalk(data []byte, lim Limits) *walk {
	w := &walk{
		dec: json.NewDecoder(bytes.NewReader(data)), data: data, lim: lim,
		lines: lineCounter{data: data}, seen: map[string]int{}, names: map[string]bool{},
		fields: map[reflect.Type]map[string]reflect.Type{},
	}
	w.dec.UseNumber()
	for _, n := range lim.Names {
		w.names[n] = true
	}
	return w
}

// run walks the whole document against t, the type Decode fills.
func (w *walk) run(name string, t reflect.Type) error {
	root, err := w.next()
	if err != nil {
		return w.stopped(name, err)
	}
	if root.kind != '{' {
		return &Error{File: name, Msg: "expected an object at the top, got " + kindName(root.kind)}
	}
	if err := w.object(root, t, 1); err != nil {
		return w.stopped(name, err)
	}
	if _, err := w.dec.Token(); err != io.EOF {
		return &Error{File: name, Line: w.lines.at(int(w.dec.InputOffset())), Msg: "invalid JSON: more than one value in the file"}
	}
	return nil
}

func (w *walk) stopped(name string, err error) error {
	var s *stop
	if !errors.As(err, &s) {
		return err
	}
	s.err.File = name
	return s.err
}

// token is one value's first token and where it is.
type token struct {
	tok  json.Token
	kind byte // '{', '[', '"', 'n' (number), 'b' (bool), '0' (null)
	line int
}

func (w *walk) next() (token, error) {
	start := int(w.dec.InputOffset())
	tok, err := w.dec.Token()
	if err != nil {
		return token{}, w.syntax(err)
	}
	t := token{tok: tok, line: w.lines.at(start + leadingSpace(w.data[start:]))}
	switch v := tok.(type) {
	case json.Delim:
		t.kind = byte(v)
	case string:
		t.kind = '"'
	case json.Number:
		t.kind = 'n'
	case bool:
		t.kind = 'b'
	case nil:
		t.kind = '0'
	}
	return t, nil
}

func (w *walk) syntax(err error) error {
	off := int(w.dec.InputOffset())
	msg := err.Error()
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		off = int(se.Offset)
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		off, msg = len(w.data), "unexpected end of file"
	}
	return &stop{&Error{Line: w.lines.at(off), Msg: "invalid JSON: " + msg}}
}

// report records a problem at the current path.
func (w *walk) report(line int, format string, args ...any) error {
	if len(w.errs) >= w.lim.MaxErrors {
		return &stop{&Error{Line: line, Msg: fmt.Sprintf("more than %d problems: the rest is not checked", w.lim.MaxErrors)}}
	}
	w.errs = append(w.errs, &Error{Line: line, Field: w.pathString(), Msg: fmt.Sprintf(format, args...)})
	return nil
}

func (w *walk) pathString() string {
	var b strings.Builder
	for i, s := range w.path {
		if i > 0 && !strings.HasPrefix(s, "[") {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

// value checks the value that starts with tok against t; a nil t takes
// anything (an unknown key's value, or an interface).
func (w *walk) value(tok token, t reflect.Type, depth int) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if over, err := w.scalarLimits(tok); over || err != nil {
		return err // one problem per value: no more checks on one too long
	}
	if t != nil && t.Kind() != reflect.Interface {
		if msg := kindMismatch(t, tok); msg != "" {
			if err := w.report(tok.line, "%s", msg); err != nil {
				return err
			}
			t = nil // its insides are not what the type has: skip them
		}
	}
	if t != nil && tok.kind == '"' && w.names[w.pathString()] {
		if err := ValidName(tok.tok.(string)); err != nil {
			if err := w.report(tok.line, "%v", err); err != nil {
				return err
			}
		}
	}
	switch tok.kind {
	case '{':
		return w.object(tok, t, depth+1)
	case '[':
		return w.array(tok, t, depth+1)
	}
	return nil
}

// scalarLimits bounds strings and numbers: a 50 MB node_id once started,
// then failed on every message it sent.
func (w *walk) scalarLimits(tok token) (over bool, err error) {
	var n int
	switch v := tok.tok.(type) {
	case string:
		n = len(v)
	case json.Number:
		n = len(v)
	}
	if n > w.lim.MaxStringBytes {
		return true, w.report(tok.line, "%d bytes long: the limit is %d", n, w.lim.MaxStringBytes)
	}
	return false, nil
}

func (w *walk) deeper(tok token, depth int) error {
	if depth <= w.lim.MaxDepth {
		return nil
	}
	return &stop{&Error{Line: tok.line, Field: w.pathString(),
		Msg: fmt.Sprintf("nested more than %d deep: a config is a few levels", w.lim.MaxDepth)}}
}

// object reads the members of an object whose '{' was tok.
func (w *walk) object(open token, t reflect.Type, depth int) error {
	if err := w.deeper(open, depth); err != nil {
		return err
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	first := map[string]int{} // key -> line
	for w.dec.More() {
		key, err := w.next()
		if err != nil {
			return err
		}
		k, _ := key.tok.(string)
		w.path = append(w.path, label(k))
		err = w.member(key, k, first, t, depth)
		w.path = w.path[:len(w.path)-1]
		if err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // '}'
	if err != nil {
		return w.syntax(err)
	}
	return nil
}

// label is how a key shows in a path: as it is when it is a plain name,
// else quoted, so that "a.b" or "" does not read as a path; only its start
// when it is long.
func label(k string) string {
	if len(k) > 64 {
		k = k[:64] + "..."
	}
	plain := k != ""
	for i := range len(k) {
		c := k[i]
		plain = plain && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')
	}
	if plain {
		return k
	}
	return strconv.Quote(k)
}

func (w *walk) member(key token, k string, first map[string]int, t reflect.Type, depth int) error {
	over, err := w.scalarLimits(key)
	if err != nil {
		return err
	}
	var elem reflect.Type
	known := !over // a key too long is not looked up: it was reported
	if line, dup := first[k]; dup && known {
		// encoding/json would keep the last one silently.
		if err := w.report(key.line, "repeated key (first at line %d)", line); err != nil {
			return err
		}
		known = false
	} else if known {
		first[k] = key.line
	}
	if t != nil && known {
		switch t.Kind() {
		case reflect.Struct:
			elem, known = w.field(t, k)
			if !known {
				if err := w.report(key.line, "unknown field"); err != nil {
					return err
				}
			} else {
				w.seen[w.pathString()] = key.line // the key's line, not the value's, is where a person looks
			}
		case reflect.Map:
			elem = t.Elem()
		default: // a key under anything else is the value's own problem, reported there
		}
	}
	tok, err := w.next()
	if err != nil {
		return err
	}
	return w.value(tok, elem, depth)
}

func (w *walk) array(open token, t reflect.Type, depth int) error {
	if err := w.deeper(open, depth); err != nil {
		return err
	}
	var elem reflect.Type
	if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		elem = t.Elem()
	}
	for i := 0; w.dec.More(); i++ {
		tok, err := w.next()
		if err != nil {
			return err
		}
		w.path = append(w.path, "["+strconv.Itoa(i)+"]")
		err = w.value(tok, elem, depth)
		w.path = w.path[:len(w.path)-1]
		if err != nil {
			return err
		}
	}
	if _, err := w.dec.Token(); err != nil { // ']'
		return w.syntax(err)
	}
	return nil
}

// leadingSpace counts the separators before the next token (the decoder's
// offset is just after the previous one).
func leadingSpace(b []byte) int {
	n := 0
	for n < len(b) && strings.IndexByte(" \t\r\n,:", b[n]) >= 0 {
		n++
	}
	return n
}

var secondsType = reflect.TypeFor[Seconds]()

// field finds the type of the struct field tagged name, from a table built
// once per type.
func (w *walk) field(t reflect.Type, name string) (reflect.Type, bool) {
	fs, ok := w.fields[t]
	if !ok {
		fs = map[string]reflect.Type{}
		addFields(fs, t)
		w.fields[t] = fs
	}
	f, ok := fs[name]
	return f, ok
}

// addFields adds t's fields by JSON name, those of embedded structs after
// (the outer ones win, as in encoding/json).
func addFields(fs map[string]reflect.Type, t reflect.Type) {
	var embedded []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && tag == "" {
			embedded = append(embedded, f.Type)
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if _, dup := fs[tag]; !dup {
			fs[tag] = f.Type
		}
	}
	for _, e := range embedded {
		for e.Kind() == reflect.Pointer {
			e = e.Elem()
		}
		if e.Kind() == reflect.Struct {
			addFields(fs, e)
		}
	}
}

func kindMismatch(t reflect.Type, tok token) string {
	if tok.kind == '0' {
		return "" // null leaves the default
	}
	want, ok := map[reflect.Kind]byte{
		reflect.Bool: 'b', reflect.String: '"', reflect.Struct: '{', reflect.Map: '{',
		reflect.Slice: '[', reflect.Array: '[', reflect.Float32: 'n', reflect.Float64: 'n',
		reflect.Int: 'n', reflect.Int8: 'n', reflect.Int16: 'n', reflect.Int32: 'n', reflect.Int64: 'n',
		reflect.Uint: 'n', reflect.Uint8: 'n', reflect.Uint16: 'n', reflect.Uint32: 'n', reflect.Uint64: 'n',
	}[t.Kind()]
	if !ok {
		return ""
	}
	if t == secondsType {
		if tok.kind != 'n' {
			return "expected a number of seconds, got " + kindName(tok.kind)
		}
		return ""
	}
	if tok.kind != want {
		return "expected " + describe(t) + ", got " + kindName(tok.kind)
	}
	if want == 'n' && t.Kind() != reflect.Float32 && t.Kind() != reflect.Float64 {
		num, _ := tok.tok.(json.Number)
		if _, err := strconv.ParseInt(string(num), 10, 64); err != nil {
			return fmt.Sprintf("expected a whole number, got %s", num)
		}
	}
	return ""
}

func kindName(k byte) string {
	return map[byte]string{'{': "an object", '[': "a list", '"': "a string", 'n': "a number", 'b': "true or false", '0': "null"}[k]
}
