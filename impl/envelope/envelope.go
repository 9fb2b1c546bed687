// Package envelope defines the JSON message that every nngbench process puts
// on the wire, and a codec for it that validates without needless copies.
package envelope

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Type is the kind of message an envelope carries.
type Type uint8

// The envelope types. The zero Type is invalid and never encoded.
const (
	Request Type = iota + 1
	Response
	Event
	Task
	Heartbeat
)

var typeNames = [...]string{"", "request", "response", "event", "task", "heartbeat"}

// ErrUnknownType is returned by ParseType for a name that is not a Type.
var ErrUnknownType = errors.New("envelope: unknown type")

// ParseType turns a wire name ("request", "task", ...) into a Type.
func ParseType(s string) (Type, error) {
	for i := Request; i <= Heartbeat; i++ {
		if typeNames[i] == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%w %q", ErrUnknownType, s)
}

// String returns the wire name of t.
func (t Type) String() string {
	if t >= Request && t <= Heartbeat {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// Valid reports whether t is one of the defined types.
func (t Type) Valid() bool { return t >= Request && t <= Heartbeat }

// Envelope is the wire message. On the wire it is one JSON object:
//
//	{"id":"msg_…","type":"request","endpoint":"/health",
//	 "timestamp":"2026-03-19T10:30:00.000000000Z","sender":"worker-1","data":{…}}
//
// seq, request_id, error and mac are written only when set.
type Envelope struct {
	ID        string    // "msg_" and 16 hex digits; required
	Type      Type      // required
	Endpoint  string    // request route ("/instances/create") or event topic ("config.update")
	Timestamp time.Time // when the message was made; written as RFC 3339 UTC with nanoseconds
	Sender    string    // node id of the sender
	Seq       uint64    // per-sender, per-stream sequence number, from 1; 0 = none
	RequestID string    // responses: the ID of the request this answers
	Error     string    // responses: why the request failed; empty on success
	MAC       string    // HMAC of the other fields under a shared secret (Key.Sign); empty: none
	// Data is the payload as raw JSON; nil means null. After Decode it aliases
	// the decoded buffer, which must therefore not be reused while Data is.
	Data json.RawMessage
}

// NewID returns a fresh message id, "msg_" followed by 16 hex digits.
func NewID() string {
	var b [20]byte
	copy(b[:], "msg_")
	appendHex64(b[:4], rand.Uint64()) //nolint:gosec // ids must be unique, not secret

	return string(b[:])
}

// New returns an envelope of type t with a fresh ID and the current time.
func New(t Type, sender, endpoint string, data json.RawMessage) *Envelope {
	return &Envelope{
		ID:        NewID(),
		Type:      t,
		Endpoint:  endpoint,
		Timestamp: time.Now().UTC(),
		Sender:    sender,
		Data:      data,
	}
}

// Reply returns the response to e, carrying data.
func (e *Envelope) Reply(sender string, data json.RawMessage) *Envelope {
	r := New(Response, sender, e.Endpoint, data)
	r.RequestID = e.ID
	return r
}

// ReplyError returns the error response to e. e may be nil when the request
// could not be decoded at all.
func ReplyError(e *Envelope, sender string, err error) *Envelope {
	r := New(Response, sender, "", nil)
	if e != nil {
		r.RequestID = e.ID
		r.Endpoint = e.Endpoint
	}
	r.Error = err.Error()
	if r.Error == "" {
		r.Error = "error"
	}
	return r
}

// Age is how long ago, by now, e was made; zero when e has no timestamp.
func (e *Envelope) Age(now time.Time) time.Duration {
	if e.Timestamp.IsZero() {
		return 0
	}
	return now.Sub(e.Timestamp)
}

// DataOf marshals v as an envelope payload.
func DataOf(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("envelope: data: %w", err)
	}
	return b, nil
}

// ErrBadData is wrapped by Bind when the payload does not fit the target.
var ErrBadData = errors.New("envelope: bad data")

// Bind decodes the payload into v strictly: unknown fields and trailing data
// are errors, so a malformed command gets an error reply, not a half-filled
// struct.
func (e *Envelope) Bind(v any) error {
	if len(e.Data) == 0 {
		return fmt.Errorf("%w: no data", ErrBadData)
	}
	dec := json.NewDecoder(bytes.NewReader(e.Data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadData, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data", ErrBadData)
	}
	return nil
}

// MarshalJSON lets an Envelope take part in encoding/json.
func (e *Envelope) MarshalJSON() ([]byte, error) { return e.AppendJSON(nil) }

// UnmarshalJSON lets an Envelope take part in encoding/json. Unlike Decode it
// copies Data, as encoding/json reuses its buffers.
func (e *Envelope) UnmarshalJSON(b []byte) error {
	if err := Decode(b, e); err != nil {
		return err
	}
	if e.Data != nil {
		e.Data = append(json.RawMessage(nil), e.Data...)
	}
	return nil
}

const hexDigits = "0123456789abcdef"

func appendHex64(dst []byte, v uint64) []byte {
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[(v>>uint(shift))&0xf])
	}
	return dst
}
