package scenario

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Error is one problem in a scenario file. Parse and Load return every
// problem at once, each an *Error, joined with errors.Join.
type Error struct {
	File  string // the name given to Parse, or the path given to Load
	Line  int    // 1-based; 0 only when the position is unknown
	Field string // e.g. "workloads[1].rate"; empty for a problem with the whole file
	Msg   string
	cause error // a sentinel such as ErrUnknownPattern, for errors.Is; often nil
}

// Error formats the problem as FILE:LINE: FIELD: MSG, the form editors and
// terminals turn into a link.
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

// Unwrap returns the sentinel behind the problem, if there is one, so that
// errors.Is(err, ErrUnknownFaultKind) works on what Parse returns.
func (e *Error) Unwrap() error { return e.cause }

// sentinel is a constant error, as mangos does it: a var could be reassigned.
type sentinel string

func (s sentinel) Error() string { return string(s) }

// The sentinels returned by the ParseX functions, and found with errors.Is in
// the errors of Parse and Load.
const (
	ErrUnknownTransport = sentinel("scenario: unknown transport")
	ErrUnknownPattern   = sentinel("scenario: unknown pattern")
	ErrUnknownMode      = sentinel("scenario: unknown mode")
	ErrUnknownFaultKind = sentinel("scenario: unknown fault kind")
	ErrUnknownLink      = sentinel("scenario: unknown link")
	ErrUnknownCPMode    = sentinel("scenario: unknown control plane mode")
	ErrUnknownDirection = sentinel("scenario: unknown direction")
	ErrUnknownTask      = sentinel("scenario: unknown task")
)

// enumError is what a ParseX function returns: the sentinel, the bad value
// and the values that would have been accepted.
type enumError struct {
	kind  sentinel
	value string
	want  []string
}

func (e *enumError) Error() string { return string(e.kind) + " " + e.detail() }

func (e *enumError) Unwrap() error { return e.kind }

func (e *enumError) detail() string { return fmt.Sprintf("%q (want %s)", e.value, orList(e.want)) }

// message is Error without the package prefix, for an *Error that already
// says where it is.
func (e *enumError) message() string {
	return strings.TrimPrefix(string(e.kind), "scenario: ") + " " + e.detail()
}

// orList writes "a, b or c".
func orList(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// syntaxError turns a yaml.v3 parse error ("yaml: line 3: ...") into an
// *Error. yaml.v3 leaves the line out when the problem is on the first line
// (its mark counts from 0 and it omits 0), so no line means line 1.
func syntaxError(file string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		num, text, found := strings.Cut(rest, ": ")
		if n, err := strconv.Atoi(num); found && err == nil {
			line, msg = n, text
		}
	}
	return &Error{File: file, Line: line, Msg: "invalid YAML: " + msg}
}

// joinErrors sorts the problems into file order, stably so that several on
// one line keep the order they were found in.
func joinErrors(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}
