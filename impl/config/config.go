// Package config loads the JSON config files of the control plane and the
// worker strictly and within bounds: unknown and repeated keys, wrong types,
// values over the limits and invalid values are all reported at once, each
// as file:line: field: problem, in time and memory linear in the file.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Error is one problem in a config file.
type Error struct {
	File  string
	Line  int    // 1-based; 0 when unknown
	Field string // dotted path, e.g. "messaging.heartbeat_interval_seconds"
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// FieldError is what a Validate method returns for one bad field; Load adds
// the file and line.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Invalid returns a *FieldError for field.
func Invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Validator is implemented by configs that check their values; Validate
// returns *FieldError values, joined with errors.Join when there are several.
type Validator interface{ Validate() error }

// Limits bound what Load and Decode accept, so that no file can make a
// program take unbounded time or memory, or start with a value it cannot
// use. Zero fields take the defaults.
type Limits struct {
	// MaxFileBytes is the largest file read; default 1 MiB (configs are a
	// few KiB).
	MaxFileBytes int64
	// MaxDepth is how deep objects and lists may nest; default 32. A 400 KB
	// file nested 200,000 deep once took 24 GB.
	MaxDepth int
	// MaxStringBytes bounds every string, key and number; default 4096
	// (PATH_MAX, as strings are mostly paths and addresses).
	MaxStringBytes int
	// MaxErrors is how many problems are listed before the walk stops;
	// default 100.
	MaxErrors int
	// Names are the dotted paths of fields that must pass ValidName when
	// given; default node_id, which names the node in every message it sends
	// and every file and metric the harness makes of it.
	Names []string
}

// DefaultLimits are what Load and Decode apply.
func DefaultLimits() Limits {
	return Limits{MaxFileBytes: 1 << 20, MaxDepth: 32, MaxStringBytes: 4096, MaxErrors: 100, Names: []string{"node_id"}}
}

// withDefaults fills in the zero fields; negative values are refused, as a
// limit of -1 would read as "none".
func (l Limits) withDefaults() (Limits, error) {
	d := DefaultLimits()
	if l.MaxFileBytes < 0 || l.MaxDepth < 0 || l.MaxStringBytes < 0 || l.MaxErrors < 0 {
		return l, fmt.Errorf("config: limits must be >= 0, got %+v", l)
	}
	if l.MaxFileBytes == 0 {
		l.MaxFileBytes = d.MaxFileBytes
	}
	if l.MaxDepth == 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxStringBytes == 0 {
		l.MaxStringBytes = d.MaxStringBytes
	}
	if l.MaxErrors == 0 {
		l.MaxErrors = d.MaxErrors
	}
	if l.Names == nil {
		l.Names = d.Names
	}
	return l, nil
}

// MaxNameBytes bounds a name (see ValidName).
const MaxNameBytes = 128

// ValidName checks a node name: 1 to MaxNameBytes of A-Z a-z 0-9 . _ -,
// starting with a letter or digit, so that it fits in every message, file
// name and metric label as it is.
func ValidName(s string) error {
	if len(s) > MaxNameBytes {
		return fmt.Errorf("a name is at most %d bytes, got %d", MaxNameBytes, len(s))
	}
	for i := range len(s) {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return fmt.Errorf("bad name %q: only A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit", s)
		}
	}
	return nil
}

// Load reads the file at path into v, a pointer to a struct with json tags,
// within DefaultLimits. Zero fields keep whatever v held before (its
// defaults). The error, if any, joins one *Error per problem.
func Load(path string, v any) error { return Limits{}.Load(path, v) }

// Decode is Load for data already read; name is used in messages.
func Decode(name string, data []byte, v any) error { return Limits{}.Decode(name, data, v) }

// Load is the package's Load within l.
func (l Limits) Load(path string, v any) error {
	l, err := l.withDefaults()
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > l.MaxFileBytes {
		return l.tooLarge(path)
	}
	// One byte over the limit tells a pipe at the limit from a longer one
	// without reading the rest.
	data, err := io.ReadAll(io.LimitReader(f, l.MaxFileBytes+1))
	if err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	return l.Decode(path, data, v)
}

func (l Limits) tooLarge(name string) error {
	return &Error{File: name, Msg: fmt.Sprintf("file larger than %d bytes: a config is a few KiB", l.MaxFileBytes)}
}

// Decode is the package's Decode within l.
func (l Limits) Decode(name string, data []byte, v any) error {
	l, err := l.withDefaults()
	if err != nil {
		return err
	}
	if int64(len(data)) > l.MaxFileBytes {
		return l.tooLarge(name)
	}
	// Unknown keys, wrong kinds, repeated keys and the limits first, all
	// of them: encoding/json would stop at the first, and keep the last of
	// repeated keys without a word.
	w := newWalk(data, l)
	fatal := w.run(name, reflect.TypeOf(v))
	var errs []error
	for _, e := range w.errs {
		e.File = name
		errs = append(errs, e)
	}
	if fatal != nil {
		errs = append(errs, fatal)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &Error{File: name, Msg: err.Error()} // what the walk could not foresee (range, ...)
	}
	if val, ok := v.(Validator); ok {
		for _, e := range flatten(val.Validate()) {
			var fe *FieldError
			if errors.As(e, &fe) {
				errs = append(errs, &Error{File: name, Line: lineOf(w.seen, fe.Field), Field: fe.Field, Msg: fe.Msg})
			} else {
				errs = append(errs, &Error{File: name, Msg: e.Error()})
			}
		}
	}
	return errors.Join(errs...)
}

// describe names a Go type as a config author thinks of it.
func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	default:
		return t.String()
	}
}

// flatten undoes errors.Join.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// lineOf finds the line of field, or of its nearest parent in the file (a
// required field that is missing is reported where its object is).
func lineOf(seen map[string]int, field string) int {
	for f := field; f != ""; {
		if line, ok := seen[f]; ok {
			return line
		}
		i := strings.LastIndexAny(f, ".[")
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return 0
}

// Seconds is a duration written as a number of seconds, fractions allowed
// (0.1 = 100ms), as in heartbeat_interval_seconds.
type Seconds time.Duration

// D returns the duration.
func (s Seconds) D() time.Duration { return time.Duration(s) }

// MarshalJSON writes the number of seconds.
func (s Seconds) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, time.Duration(s).Seconds(), 'f', -1, 64), nil
}

// UnmarshalJSON reads a number of seconds.
func (s *Seconds) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("a number of seconds, not %s", b)
	}
	if f > float64(1<<62)/float64(time.Second) || f < -float64(1<<62)/float64(time.Second) {
		return fmt.Errorf("%s seconds is out of range", b)
	}
	*s = Seconds(f * float64(time.Second))
	return nil
}
