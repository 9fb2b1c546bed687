package result

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// checkShape walks data, already known to be valid JSON, beside the Go type
// t and returns every problem, each with its path and position, where
// encoding/json stops at the first, cannot say where an unknown field is,
// and leaves the list indices out of its paths.
func checkShape(data []byte, t reflect.Type) []shapeProblem {
	w := shapeWalk{dec: json.NewDecoder(bytes.NewReader(data)), data: data}
	w.dec.UseNumber() // keep the number's text: 1.5 is no int64
	if err := w.value(t, ""); err != nil && !errors.Is(err, io.EOF) {
		// Cannot happen for valid JSON; say so rather than pass in silence.
		w.out = append(w.out, shapeProblem{off: -1, msg: err.Error()})
	}
	return w.out
}

type shapeWalk struct {
	dec  *json.Decoder
	data []byte
	out  []shapeProblem
}

var timeType = reflect.TypeFor[time.Time]()

// next reads one token and returns it with the offset where it starts.
func (w *shapeWalk) next() (json.Token, int64, error) {
	off := w.dec.InputOffset() // the end of the last token: skip to this one
	for off < int64(len(w.data)) && strings.IndexByte(" \t\r\n,:", w.data[off]) >= 0 {
		off++
	}
	tok, err := w.dec.Token()
	return tok, off, err
}

// value reads one value at path; t is its Go type, nil when anything goes
// (inside map[string]any, or below a problem already reported).
func (w *shapeWalk) value(t reflect.Type, path string) error {
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && t.Kind() == reflect.Interface {
		t = nil // any JSON at all
	}
	tok, off, err := w.next()
	if err != nil {
		return err
	}
	if t != nil && !fits(tok, t) {
		w.out = append(w.out, shapeProblem{off, path, fmt.Sprintf("got %s, want %s", describeToken(tok), describe(t))})
		t = nil // one problem per value, not one per key inside it
	}
	switch tok {
	case json.Delim('{'):
		return w.object(t, path)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil {
			elem = t.Elem()
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.value(elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, err = w.dec.Token() // ']'
		return err
	}
	return nil
}

func (w *shapeWalk) object(t reflect.Type, path string) error {
	seen := map[string]bool{}
	for w.dec.More() {
		tok, off, err := w.next()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		sub := key
		if path != "" {
			sub = path + "." + key
		}
		if seen[key] {
			w.out = append(w.out, shapeProblem{off, sub, "appears twice"})
		}
		seen[key] = true
		ft, known := fieldType(t, key)
		if !known {
			w.out = append(w.out, shapeProblem{off, sub, unknownMsg(t, key)})
		}
		if err := w.value(ft, sub); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // '}'
	return err
}

// fieldType is the Go type the key decodes into, and whether the key is
// allowed at all.
func fieldType(t reflect.Type, key string) (reflect.Type, bool) {
	switch {
	case t == nil:
		return nil, true
	case t.Kind() == reflect.Map:
		return t.Elem(), true
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == key && f.IsExported() {
			return f.Type, true
		}
	}
	return nil, false
}

// unknownMsg names the field the key was probably meant to be.
func unknownMsg(t reflect.Type, key string) string {
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if strings.EqualFold(name, key) {
			return fmt.Sprintf("unknown field (did you mean %q?)", name)
		}
	}
	return "unknown field"
}
