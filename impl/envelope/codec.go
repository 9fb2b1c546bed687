package envelope

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("envelope: malformed")

// ErrInvalid is wrapped by encoding errors: an envelope that must not be sent.
var ErrInvalid = errors.New("envelope: invalid")

// DecodeError says where and why a message could not be decoded.
type DecodeError struct {
	Offset int    // byte offset in the message
	Field  string // the envelope field being read, if any
	Msg    string
}

func (e *DecodeError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("envelope: malformed at byte %d: %s: %s", e.Offset, e.Field, e.Msg)
	}
	return fmt.Sprintf("envelope: malformed at byte %d: %s", e.Offset, e.Msg)
}

// Unwrap makes errors.Is(err, ErrMalformed) hold.
func (e *DecodeError) Unwrap() error { return ErrMalformed }

// Marshal encodes e into a new buffer.
func Marshal(e *Envelope) ([]byte, error) { return e.AppendJSON(make([]byte, 0, 160+len(e.Data))) }

// AppendJSON appends the wire form of e to dst. It checks that the type is
// valid and that Data is well-formed JSON, so a peer never gets a message it
// cannot decode.
func (e *Envelope) AppendJSON(dst []byte) ([]byte, error) {
	if !e.Type.Valid() {
		return dst, fmt.Errorf("%w: type %d", ErrInvalid, e.Type)
	}
	if e.ID == "" {
		return dst, fmt.Errorf("%w: empty id", ErrInvalid)
	}
	if len(e.Data) > 0 {
		if end, err := skipValue(e.Data, skipWS(e.Data, 0), 0); err != nil {
			return dst, fmt.Errorf("%w: data: %v", ErrInvalid, err)
		} else if skipWS(e.Data, end) != len(e.Data) {
			return dst, fmt.Errorf("%w: data: trailing bytes at %d", ErrInvalid, end)
		}
	}
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, e.ID)
	dst = append(dst, `,"type":"`...)
	dst = append(dst, typeNames[e.Type]...)
	dst = append(dst, `","endpoint":`...)
	dst = appendString(dst, e.Endpoint)
	dst = append(dst, `,"timestamp":`...)
	if e.Timestamp.IsZero() {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '"')
		dst = appendTime(dst, e.Timestamp)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"sender":`...)
	dst = appendString(dst, e.Sender)
	if e.Seq != 0 {
		dst = append(dst, `,"seq":`...)
		dst = strconv.AppendUint(dst, e.Seq, 10)
	}
	if e.RequestID != "" {
		dst = append(dst, `,"request_id":`...)
		dst = appendString(dst, e.RequestID)
	}
	if e.Error != "" {
		dst = append(dst, `,"error":`...)
		dst = appendString(dst, e.Error)
	}
	if e.MAC != "" {
		dst = append(dst, `,"mac":`...)
		dst = appendString(dst, e.MAC)
	}
	dst = append(dst, `,"data":`...)
	if len(e.Data) == 0 {
		dst = append(dst, "null"...)
	} else {
		dst = appendData(dst, e.Data)
	}
	return append(dst, '}'), nil
}

// Unmarshal decodes b into a new Envelope whose Data aliases b.
func Unmarshal(b []byte) (*Envelope, error) {
	e := new(Envelope)
	if err := Decode(b, e); err != nil {
		return nil, err
	}
	return e, nil
}

// Decode parses one envelope from b into e, replacing all of e's fields.
// e.Data aliases b (no copy). Unknown keys are skipped, so newer peers can add
// fields; id and a valid type are required; the whole of b must be one object.
func Decode(b []byte, e *Envelope) error {
	*e = Envelope{}
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return &DecodeError{Offset: i, Msg: "expected '{'"}
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		var err error
		if i, err = decodeFields(b, i, e); err != nil {
			return err
		}
	}
	if i = skipWS(b, i); i != len(b) {
		return &DecodeError{Offset: i, Msg: "trailing bytes after the object"}
	}
	if e.ID == "" {
		return &DecodeError{Offset: i, Field: "id", Msg: "missing"}
	}
	if e.Type == 0 {
		return &DecodeError{Offset: i, Field: "type", Msg: "missing"}
	}
	return nil
}

// decodeFields reads "key": value pairs up to and including the closing '}'.
func decodeFields(b []byte, i int, e *Envelope) (int, error) {
	for {
		if i >= len(b) || b[i] != '"' {
			return i, &DecodeError{Offset: i, Msg: "expected a key"}
		}
		key, next, err := readRaw(b, i)
		if err != nil {
			return next, err
		}
		i = skipWS(b, next)
		if i >= len(b) || b[i] != ':' {
			return i, &DecodeError{Offset: i, Field: string(key), Msg: "expected ':'"}
		}
		i = skipWS(b, i+1)
		if i, err = decodeField(b, i, key, e); err != nil {
			return i, err
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return i, &DecodeError{Offset: i, Msg: "unterminated object"}
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			return i + 1, nil
		default:
			return i, &DecodeError{Offset: i, Msg: "expected ',' or '}'"}
		}
	}
}

func decodeField(b []byte, i int, key []byte, e *Envelope) (int, error) {
	var dst *string
	switch string(key) { // no allocation: the compiler compares in place
	case "id":
		dst = &e.ID
	case "endpoint":
		dst = &e.Endpoint
	case "sender":
		dst = &e.Sender
	case "request_id":
		dst = &e.RequestID
	case "error":
		dst = &e.Error
	case "mac":
		dst = &e.MAC
	case "type":
		raw, next, err := readRawField(b, i, "type")
		if err != nil {
			return next, err
		}
		if e.Type = typeOf(raw); e.Type == 0 {
			return i, &DecodeError{Offset: i, Field: "type", Msg: strconv.Quote(string(raw)) + " is not a type"}
		}
		return next, nil
	case "timestamp":
		raw, next, err := readRawField(b, i, "timestamp")
		if err != nil || raw == nil {
			return next, err
		}
		if e.Timestamp, err = parseTime(raw); err != nil {
			return i, &DecodeError{Offset: i, Field: "timestamp", Msg: "not RFC 3339: " + strconv.Quote(string(raw))}
		}
		return next, nil
	case "seq":
		return decodeSeq(b, i, e)
	case "data":
		end, err := skipValue(b, i, 0)
		if err != nil {
			return end, withField(err, "data")
		}
		if !isNull(b[i:end]) {
			e.Data = b[i:end:end]
		}
		return end, nil
	default:
		end, err := skipValue(b, i, 0)
		return end, withField(err, string(key))
	}
	s, next, err := readField(b, i, string(key))
	*dst = s
	return next, err
}

// typeOf is ParseType on bytes, without allocating.
func typeOf(raw []byte) Type {
	for t := Request; t <= Heartbeat; t++ {
		if string(raw) == typeNames[t] {
			return t
		}
	}
	return 0
}

func decodeSeq(b []byte, i int, e *Envelope) (int, error) {
	end, err := skipValue(b, i, 0)
	if err != nil {
		return end, withField(err, "seq")
	}
	if isNull(b[i:end]) {
		return end, nil
	}
	if e.Seq, err = strconv.ParseUint(string(b[i:end]), 10, 64); err != nil {
		return i, &DecodeError{Offset: i, Field: "seq", Msg: "not an unsigned integer"}
	}
	return end, nil
}

// readField reads a string-valued field; null reads as "".
func readField(b []byte, i int, key string) (string, int, error) {
	raw, next, err := readRawField(b, i, key)
	return string(raw), next, err
}

// readRawField reads a string-valued field as bytes (aliasing b unless it
// had escapes); null reads as nil.
func readRawField(b []byte, i int, key string) ([]byte, int, error) {
	if i < len(b) && b[i] == 'n' {
		end, err := skipValue(b, i, 0)
		if err != nil || !isNull(b[i:end]) {
			return nil, i, &DecodeError{Offset: i, Field: key, Msg: "expected a string"}
		}
		return nil, end, nil
	}
	if i >= len(b) || b[i] != '"' {
		return nil, i, &DecodeError{Offset: i, Field: key, Msg: "expected a string"}
	}
	raw, next, err := readRaw(b, i)
	return raw, next, withField(err, key)
}

// readRaw reads the JSON string starting at b[i] == '"' and returns its
// content: a slice of b when it has no escapes, a new unescaped copy if not.
func readRaw(b []byte, i int) ([]byte, int, error) {
	end, escaped, err := scanString(b, i)
	if err != nil {
		return nil, end, err
	}
	if !escaped {
		return b[i+1 : end-1], end, nil
	}
	var s string
	if err := json.Unmarshal(b[i:end], &s); err != nil {
		return nil, i, &DecodeError{Offset: i, Msg: "bad string: " + err.Error()}
	}
	return []byte(s), end, nil
}

func withField(err error, field string) error {
	if err == nil {
		return nil
	}
	var de *DecodeError
	if errors.As(err, &de) && de.Field == "" {
		de.Field = field
	}
	return err
}

func isNull(b []byte) bool { return len(b) == 4 && string(b) == "null" }
