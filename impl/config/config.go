// Package config loads the JSON config files of the control plane and the
// worker strictly: unknown keys, wrong types and invalid values are all
// reported at once, each as file:line: field: problem.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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

// Load reads the file at path into v, a pointer to a struct with json tags.
// Zero fields keep whatever v held before (its defaults). The error, if
// any, joins one *Error per problem.
func Load(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return Decode(path, data, v)
}

// Decode is Load for data already read; name is used in messages.
func Decode(name string, data []byte, v any) error {
	w, err := walkDoc(data)
	if err != nil {
		return err.(*syntaxErr).at(name, data)
	}
	var errs []error
	add := func(fe *FieldError) {
		errs = append(errs, &Error{File: name, Line: lineOf(w.seen, fe.Field), Field: fe.Field, Msg: fe.Msg})
	}
	// Unknown keys and wrong kinds first, all of them: encoding/json would
	// stop at the first.
	for _, fe := range w.check(reflect.TypeOf(v)) {
		add(fe)
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
				add(fe)
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
func lineOf(seen map[string]value, field string) int {
	for f := field; f != ""; {
		if v, ok := seen[f]; ok {
			return v.line
		}
		i := strings.LastIndexAny(f, ".[")
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return 0
}

func offsetLine(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return bytes.Count(data[:off], []byte("\n")) + 1
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
