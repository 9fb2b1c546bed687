package envelope

import (
	"encoding/binary"
	"time"
	"unicode/utf8"
)

// maxDepth bounds nesting in data so hostile input cannot exhaust the stack.
const maxDepth = 512

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipValue validates the JSON value at b[i] and returns the index after it.
// It accepts exactly what encoding/json's Valid accepts (it does not check
// UTF-8, as Valid does not).
func skipValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, &DecodeError{Offset: i, Msg: "unexpected end of input"}
	}
	switch c := b[i]; {
	case c == '"':
		end, _, err := scanString(b, i)
		return end, err
	case c == '{', c == '[':
		if depth >= maxDepth {
			return i, &DecodeError{Offset: i, Msg: "nested too deeply"}
		}
		return skipComposite(b, i, depth+1)
	case c == '-' || (c >= '0' && c <= '9'):
		return skipNumber(b, i)
	case c == 't':
		return skipLiteral(b, i, "true")
	case c == 'f':
		return skipLiteral(b, i, "false")
	case c == 'n':
		return skipLiteral(b, i, "null")
	}
	return i, &DecodeError{Offset: i, Msg: "invalid character " + quoteByte(b[i])}
}

func skipComposite(b []byte, i, depth int) (int, error) {
	object, closer := b[i] == '{', byte(']')
	if object {
		closer = '}'
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == closer {
		return i + 1, nil
	}
	for {
		var err error
		if object {
			if i >= len(b) || b[i] != '"' {
				return i, &DecodeError{Offset: i, Msg: "expected a key"}
			}
			if i, _, err = scanString(b, i); err != nil {
				return i, err
			}
			if i = skipWS(b, i); i >= len(b) || b[i] != ':' {
				return i, &DecodeError{Offset: i, Msg: "expected ':'"}
			}
			i = skipWS(b, i+1)
		}
		if i, err = skipValue(b, i, depth); err != nil {
			return i, err
		}
		if i = skipWS(b, i); i >= len(b) {
			return i, &DecodeError{Offset: i, Msg: "unexpected end of input"}
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case closer:
			return i + 1, nil
		default:
			return i, &DecodeError{Offset: i, Msg: "expected ',' or " + quoteByte(closer)}
		}
	}
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special reports whether any byte of the 8 in w is '"', '\\' or below 0x20.
// The has-zero-byte tricks have no false negatives; a false positive only
// costs a byte-wise look at those 8 bytes.
func special(w uint64) bool {
	q := w ^ (ones * '"')
	s := w ^ (ones * '\\')
	return ((q-ones)&^q|(s-ones)&^s|(w-ones*0x20)&^w)&highs != 0
}

// scanString validates the string at b[i] == '"' and returns the index after
// its closing quote and whether it holds escapes. Strings are most of a
// payload, so it looks at 8 bytes at a time.
func scanString(b []byte, i int) (end int, escaped bool, err error) {
	start := i
	i++
	for {
		for i+8 <= len(b) && !special(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		if i >= len(b) {
			return i, escaped, &DecodeError{Offset: start, Msg: "unterminated string"}
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			if i, err = skipEscape(b, i); err != nil {
				return i, escaped, err
			}
		case c < 0x20:
			return i, escaped, &DecodeError{Offset: i, Msg: "control character in string"}
		default:
			i++
		}
	}
}

func skipEscape(b []byte, i int) (int, error) {
	if i+1 >= len(b) {
		return i, &DecodeError{Offset: i, Msg: "unterminated escape"}
	}
	switch b[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return i + 2, nil
	case 'u':
		if i+6 > len(b) {
			return i, &DecodeError{Offset: i, Msg: "short \\u escape"}
		}
		for _, h := range b[i+2 : i+6] {
			if !isHex(h) {
				return i, &DecodeError{Offset: i, Msg: "bad \\u escape"}
			}
		}
		return i + 6, nil
	}
	return i, &DecodeError{Offset: i, Msg: "bad escape"}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// skipNumber follows the JSON grammar -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
func skipNumber(b []byte, i int) (int, error) {
	start := i
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = skipDigits(b, i)
	default:
		return i, &DecodeError{Offset: start, Msg: "bad number"}
	}
	if i < len(b) && b[i] == '.' {
		if i+1 >= len(b) || b[i+1] < '0' || b[i+1] > '9' {
			return i, &DecodeError{Offset: start, Msg: "bad number"}
		}
		i = skipDigits(b, i+1)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, &DecodeError{Offset: start, Msg: "bad number"}
		}
		i = skipDigits(b, i)
	}
	return i, nil
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func skipLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, &DecodeError{Offset: i, Msg: "invalid literal"}
	}
	return i + len(lit), nil
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(c) + "'"
	}
	return "0x" + string(hexDigits[c>>4]) + string(hexDigits[c&0xf])
}

// appendString appends s as a JSON string, escaping only what JSON requires,
// and, as encoding/json does, writing each byte that is not valid UTF-8 as
// \ufffd and U+2028 and U+2029 escaped: a field echoed from a peer's
// message (an endpoint, a request id, an error naming either) must not make
// the reply invalid JSON.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
				dst = append(dst, s[start:i]...)
				if size == 1 {
					dst = append(dst, `\ufffd`...)
				} else {
					dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
				}
				start = i + size
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendData appends data, already checked to be one JSON value, writing
// each byte that is not valid UTF-8 as \ufffd. Such bytes can only be inside
// strings (anywhere else the value would not have passed the check), so the
// escape keeps it one valid value, and the one that encoding/json would
// decode it to.
func appendData(dst, data []byte) []byte {
	if utf8.Valid(data) {
		return append(dst, data...)
	}
	start := 0
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, data[start:i]...)
			dst = append(dst, `\ufffd`...)
			start = i + 1
		}
		i += size
	}
	return append(dst, data[start:]...)
}

// timeLayout is what appendTime writes: RFC 3339, UTC, always 9 fractional digits.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// appendTime writes t in timeLayout; by hand, as it is on every message.
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, time.RFC3339Nano)
	}
	dst = appendDigits(dst, year, 4)
	dst = append(dst, '-')
	dst = appendDigits(dst, int(month), 2)
	dst = append(dst, '-')
	dst = appendDigits(dst, day, 2)
	dst = append(dst, 'T')
	dst = appendDigits(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, minute, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, sec, 2)
	dst = append(dst, '.')
	dst = appendDigits(dst, t.Nanosecond(), 9)
	return append(dst, 'Z')
}

func appendDigits(dst []byte, v, width int) []byte {
	var buf [9]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, buf[:width]...)
}

// parseTime reads timeLayout quickly and any other RFC 3339 form slowly.
func parseTime(s []byte) (time.Time, error) {
	if len(s) == len(timeLayout) && s[4] == '-' && s[7] == '-' && s[10] == 'T' &&
		s[13] == ':' && s[16] == ':' && s[19] == '.' && s[29] == 'Z' {
		year, ok1 := atoi(s[0:4])
		month, ok2 := atoi(s[5:7])
		day, ok3 := atoi(s[8:10])
		hour, ok4 := atoi(s[11:13])
		minute, ok5 := atoi(s[14:16])
		sec, ok6 := atoi(s[17:19])
		nsec, ok7 := atoi(s[20:29])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 &&
			month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60 && sec < 60 {
			t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
			if t.Day() == day { // rejects 2026-02-30, which time.Date would normalise
				return t, nil
			}
		}
	}
	t, err := time.Parse(time.RFC3339Nano, string(s))
	return t.UTC(), err
}

func atoi(s []byte) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
