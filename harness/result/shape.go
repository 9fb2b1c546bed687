package result

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
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
//
// It keeps only the path it is on, as a stack, and writes a path out only
// for a problem, so that its memory does not grow with the file: a result
// of 600,000 intervals is walked in the space of one.
func checkShape(data []byte, t reflect.Type) []shapeProblem {
	w := shapeWalk{dec: json.NewDecoder(bytes.NewReader(data)), data: data}
	w.dec.UseNumber() // keep the number's text: 1.5 is no int64
	if err := w.value(t); err != nil && !errors.Is(err, io.EOF) {
		// Cannot happen for valid JSON; say so rather than pass in silence.
		w.out = append(w.out, shapeProblem{off: -1, msg: err.Error()})
	}
	return w.out
}

type shapeWalk struct {
	dec  *json.Decoder
	data []byte
	out  []shapeProblem
	path []pathStep // where the walk is
	// seen[d] holds the keys of the object open at depth d, reused from
	// one object to the next.
	seen []keySet
}

// keySet is the keys of one object: a list scanned in order, since objects
// here have a dozen keys or so and a map would have to be made for each of
// hundreds of thousands, and a map once the list grows long (a params
// object of many keys must not cost a quadratic scan).
type keySet struct {
	list []string
	m    map[string]bool
}

const keySetListMax = 32

// add notes key and says whether it was there already.
func (k *keySet) add(key string) bool {
	if k.m != nil {
		dup := k.m[key]
		k.m[key] = true
		return dup
	}
	if slices.Contains(k.list, key) {
		return true
	}
	k.list = append(k.list, key)
	if len(k.list) > keySetListMax {
		k.m = make(map[string]bool, 2*len(k.list))
		for _, s := range k.list {
			k.m[s] = true
		}
	}
	return false
}

func (k *keySet) reset() { k.list, k.m = k.list[:0], nil }

// pathStep is one step of a path: a key, or an index when key is "".
type pathStep struct {
	key   string
	index int
}

// pathString writes the path as the messages give it: workloads[1].model.
func (w *shapeWalk) pathString() string {
	var b strings.Builder
	for i, s := range w.path {
		switch {
		case s.key == "" && s.index >= 0:
			fmt.Fprintf(&b, "[%d]", s.index)
		case i > 0:
			b.WriteString("." + s.key)
		default:
			b.WriteString(s.key)
		}
	}
	return b.String()
}

func (w *shapeWalk) problem(off int64, msg string) {
	w.out = append(w.out, shapeProblem{off, w.pathString(), msg})
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

// value reads one value at w.path; t is its Go type, nil when anything
// goes (inside map[string]any, or below a problem already reported).
func (w *shapeWalk) value(t reflect.Type) error {
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
		w.problem(off, fmt.Sprintf("got %s, want %s", describeToken(tok), describe(t)))
		t = nil // one problem per value, not one per key inside it
	}
	switch tok {
	case json.Delim('{'):
		return w.object(t)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil {
			elem = t.Elem()
		}
		w.path = append(w.path, pathStep{})
		for i := 0; w.dec.More(); i++ {
			w.path[len(w.path)-1] = pathStep{index: i}
			if err := w.value(elem); err != nil {
				return err
			}
		}
		w.path = w.path[:len(w.path)-1]
		_, err = w.dec.Token() // ']'
		return err
	}
	return nil
}

func (w *shapeWalk) object(t reflect.Type) error {
	depth := len(w.path)
	for len(w.seen) <= depth {
		w.seen = append(w.seen, keySet{})
	}
	w.seen[depth].reset()
	w.path = append(w.path, pathStep{index: -1})
	defer func() { w.path = w.path[:depth] }()
	for w.dec.More() {
		tok, off, err := w.next()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		w.path[depth] = pathStep{key: key, index: -1}
		if w.seen[depth].add(key) {
			w.problem(off, "appears twice")
		}
		ft, known := fieldType(t, key)
		if !known {
			w.problem(off, unknownMsg(t, key))
		}
		if err := w.value(ft); err != nil {
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
