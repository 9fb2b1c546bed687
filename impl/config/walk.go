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

// value is what the walk saw at one path.
type value struct {
	line int
	kind byte   // '{', '[', '"', 'n' (number), 'b' (bool), '0' (null)
	num  string // the number's text, for integer checks
}

type walk struct {
	dec   *json.Decoder
	data  []byte
	seen  map[string]value
	order []string
	root  byte // the kind of the top-level value
}

type syntaxErr struct {
	off int64
	msg string
}

func (e *syntaxErr) Error() string { return e.msg }

func (e *syntaxErr) at(name string, data []byte) error {
	return &Error{File: name, Line: offsetLine(data, int(e.off)), Msg: "invalid JSON: " + e.msg}
}

func walkDoc(data []byte) (*walk, error) {
	w := &walk{dec: json.NewDecoder(bytes.NewReader(data)), data: data, seen: map[string]value{}}
	w.dec.UseNumber()
	if err := w.value(""); err != nil {
		return nil, err
	}
	if _, err := w.dec.Token(); err != io.EOF {
		return nil, &syntaxErr{off: w.dec.InputOffset(), msg: "more than one value in the file"}
	}
	return w, nil
}

func (w *walk) fail(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &syntaxErr{off: se.Offset, msg: se.Error()}
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &syntaxErr{off: int64(len(w.data)), msg: "unexpected end of file"}
	}
	return &syntaxErr{off: w.dec.InputOffset(), msg: err.Error()}
}

// value reads one value at path; the line recorded is where it starts.
func (w *walk) value(path string) error {
	start := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err != nil {
		return w.fail(err)
	}
	v := value{line: offsetLine(w.data, int(start)+leadingSpace(w.data[start:]))}
	switch t := tok.(type) {
	case json.Delim:
		v.kind = byte(t)
	case string:
		v.kind = '"'
	case json.Number:
		v.kind, v.num = 'n', string(t)
	case bool:
		v.kind = 'b'
	case nil:
		v.kind = '0'
	}
	if path == "" {
		w.root = v.kind
	} else {
		w.record(path, v)
	}
	switch v.kind {
	case '{':
		return w.object(path)
	case '[':
		return w.array(path)
	}
	return nil
}

func (w *walk) record(path string, v value) {
	if prev, ok := w.seen[path]; ok {
		v.line = prev.line // a duplicate key: report the first place
	} else {
		w.order = append(w.order, path)
	}
	w.seen[path] = v
}

func (w *walk) object(path string) error {
	for w.dec.More() {
		keyOff := w.dec.InputOffset()
		tok, err := w.dec.Token()
		if err != nil {
			return w.fail(err)
		}
		key, _ := tok.(string)
		child := key
		if path != "" {
			child = path + "." + key
		}
		// The key's line, not the value's, is where a person looks.
		w.record(child, value{line: offsetLine(w.data, int(keyOff)+leadingSpace(w.data[keyOff:]))})
		line := w.seen[child].line
		if err := w.value(child); err != nil {
			return err
		}
		v := w.seen[child]
		v.line = line
		w.seen[child] = v
	}
	_, err := w.dec.Token() // '}'
	if err != nil {
		return w.fail(err)
	}
	return nil
}

func (w *walk) array(path string) error {
	for i := 0; w.dec.More(); i++ {
		if err := w.value(path + "[" + strconv.Itoa(i) + "]"); err != nil {
			return err
		}
	}
	if _, err := w.dec.Token(); err != nil { // ']'
		return w.fail(err)
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

// check compares what the walk saw with the Go type: keys the type does not
// have, and values of the wrong kind. It returns one FieldError per problem,
// in file order.
func (w *walk) check(t reflect.Type) []*FieldError {
	if w.root != '{' {
		return []*FieldError{{Msg: "expected an object at the top, got " + kindName(w.root)}}
	}
	var errs []*FieldError
	for _, path := range w.order {
		ft, ok := resolve(t, path)
		if !ok {
			errs = append(errs, &FieldError{Field: path, Msg: "unknown field"})
			continue
		}
		if msg := kindMismatch(ft, w.seen[path]); msg != "" {
			errs = append(errs, &FieldError{Field: path, Msg: msg})
		}
	}
	return errs
}

// resolve finds the Go type at a dotted path with [i] indexes; false if the
// type has no such field (or an ancestor is already not a struct: that is
// reported at the ancestor).
func resolve(t reflect.Type, path string) (reflect.Type, bool) {
	for _, part := range splitPath(path) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case part == "[]":
			if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
				return t, true
			}
			t = t.Elem()
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case t.Kind() == reflect.Struct:
			f, ok := fieldByTag(t, part)
			if !ok {
				return nil, false
			}
			t = f
		default:
			return t, true
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t, true
}

func splitPath(path string) []string {
	var parts []string
	for _, dotted := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(dotted, "[")
		parts = append(parts, name)
		for ; rest != ""; _, rest, _ = strings.Cut(rest, "[") {
			parts = append(parts, "[]")
		}
	}
	return parts
}

func fieldByTag(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && tag == "" {
			if ft, ok := fieldByTag(f.Type, name); ok {
				return ft, true
			}
			continue
		}
		if tag == name || (tag == "" && f.Name == name) {
			return f.Type, true
		}
	}
	return nil, false
}

func kindMismatch(t reflect.Type, v value) string {
	if v.kind == '0' {
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
		if v.kind != 'n' {
			return "expected a number of seconds, got " + kindName(v.kind)
		}
		return ""
	}
	if v.kind != want {
		return "expected " + describe(t) + ", got " + kindName(v.kind)
	}
	if want == 'n' && t.Kind() != reflect.Float32 && t.Kind() != reflect.Float64 {
		if _, err := strconv.ParseInt(v.num, 10, 64); err != nil {
			return fmt.Sprintf("expected a whole number, got %s", v.num)
		}
	}
	return ""
}

func kindName(k byte) string {
	return map[byte]string{'{': "an object", '[': "a list", '"': "a string", 'n': "a number", 'b': "true or false"}[k]
}
