package result

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinels for errors.Is; the errors returned carry the file and the detail.
var (
	ErrMalformed = errors.New("result: malformed result file")
	ErrSchema    = errors.New("result: unsupported schema")
	ErrInvalid   = errors.New("result: invalid result")
	ErrNoResults = errors.New("result: no result.json found")
)

// fileError is one problem with one file, reported as file:line:col: msg
// like a compiler, so an editor can jump to it.
type fileError struct {
	file      string
	line, col int // 0 when unknown
	msg       string
	kind      error // one of the sentinels
	err       error // the underlying error, if any
}

func (e *fileError) Error() string {
	var b strings.Builder
	b.WriteString(e.file)
	if e.line > 0 {
		fmt.Fprintf(&b, ":%d", e.line)
	}
	if e.col > 0 {
		fmt.Fprintf(&b, ":%d", e.col)
	}
	b.WriteString(": ")
	b.WriteString(e.msg)
	return b.String()
}

func (e *fileError) Is(target error) bool { return target == e.kind }

func (e *fileError) Unwrap() error { return e.err }

// malformedAt reports a problem at the byte data[off] (off < 0: somewhere
// unknown), with its column too when withCol.
func malformedAt(file string, data []byte, off int64, withCol bool, err error, format string, args ...any) error {
	e := &fileError{file: file, msg: fmt.Sprintf(format, args...), kind: ErrMalformed, err: err}
	if off >= 0 {
		e.line, e.col = position(data, off)
		if !withCol {
			e.col = 0
		}
	}
	return e
}

// position turns the offset of a byte into its 1-based line and column; an
// offset past the end is the end.
func position(data []byte, off int64) (line, col int) {
	o := int(min(off, int64(len(data))))
	line = bytes.Count(data[:o], []byte("\n")) + 1
	col = o - bytes.LastIndexByte(data[:o], '\n')
	return line, col
}

func schemaError(file string, got *string) error {
	msg := fmt.Sprintf("has no schema field; this nngbench reads %s (and %s)", Schema, SchemaV1)
	if got != nil {
		shown := *got
		if q := strconv.Quote(shown); q[1:len(q)-1] != shown || shown == "" {
			shown = q // quoted only when plain text would hide something
		}
		msg = fmt.Sprintf("has schema %s; this nngbench reads %s (and %s)", shown, Schema, SchemaV1)
	}
	// "out/result.json has schema ..." reads as a sentence, so no colon.
	return &schemaErr{fileError{file: file, msg: msg, kind: ErrSchema}}
}

type schemaErr struct{ fileError }

func (e *schemaErr) Error() string { return e.file + " " + e.msg }
