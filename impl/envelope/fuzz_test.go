package envelope_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nngbench/nngbench/impl/envelope"
)

// FuzzDecode checks that decoding never panics, that whatever decodes
// re-encodes to valid JSON that decodes to the same envelope, and that a
// decoded payload is exactly what encoding/json calls valid.
func FuzzDecode(f *testing.F) {
	full, _ := envelope.Marshal(sample())
	for _, seed := range []string{
		string(full),
		`{"id":"msg_1","type":"request","endpoint":"/health","timestamp":"2026-03-19T10:30:00.000000000Z","sender":"cp","data":{}}`,
		`{"id":"msg_1","type":"event","seq":7,"data":[1,"two",{"3":null}]}`,
		`{"id":"msg_\u00e9","type":"response","request_id":"msg_0","error":"no such endpoint"}`,
		`{"id":"msg_1","type":"task","timestamp":"2026-03-19T12:30:00+02:00","data":"x"}`,
		`{"id":"m","type":"event","data":{"a":tru}}`,
		`{"id":"m"`, `garbage`, ``, `{}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := envelope.Unmarshal(b)
		if err != nil {
			return
		}
		if e.Data != nil && !json.Valid(e.Data) {
			t.Fatalf("accepted invalid data %q", e.Data)
		}
		if !e.Timestamp.IsZero() && (e.Timestamp.Year() < 0 || e.Timestamp.Year() > 9999) {
			return // outside what RFC 3339 can carry back
		}
		out, err := envelope.Marshal(e)
		if err != nil {
			t.Fatalf("re-encode of %q: %v", b, err)
		}
		if !json.Valid(out) {
			t.Fatalf("re-encoded form is not JSON: %q", out)
		}
		back, err := envelope.Unmarshal(out)
		if err != nil {
			t.Fatalf("decode of re-encoded %q: %v", out, err)
		}
		// Bytes that are not UTF-8 come back as U+FFFD, as encoding/json
		// writes them; everything else comes back as it was.
		if back.ID != fixUTF8(e.ID) || back.Type != e.Type || back.Endpoint != fixUTF8(e.Endpoint) || back.Sender != fixUTF8(e.Sender) ||
			back.Seq != e.Seq || back.RequestID != fixUTF8(e.RequestID) || back.Error != fixUTF8(e.Error) ||
			!back.Timestamp.Equal(e.Timestamp.Truncate(time.Nanosecond)) || string(back.Data) != fixData(e.Data) {
			t.Fatalf("round trip changed the envelope:\n%+v\n%+v", e, back)
		}
	})
}

// fixUTF8 replaces each byte of s that is not UTF-8 with U+FFFD.
func fixUTF8(s string) string {
	var b strings.Builder
	for _, r := range s { // ranging yields U+FFFD, width 1, per bad byte
		b.WriteRune(r)
	}
	return b.String()
}

// fixData writes each byte of data that is not UTF-8 as the escape \ufffd.
func fixData(data []byte) string {
	var b strings.Builder
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\ufffd`)
		} else {
			b.Write(data[:size])
		}
		data = data[size:]
	}
	return b.String()
}
