package gate

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// dim is what a quantity measures. Values are held in result.json's units:
// latencies in microseconds, rates per second, byte rates in bytes per
// second.
type dim int

const (
	dimNone     dim = iota // a plain number: a factor, or a count or rate written bare
	dimTime                // microseconds
	dimCount               // messages
	dimRate                // messages per second
	dimByteRate            // bytes per second
)

// String names the dimension as a sentence needs it.
func (d dim) String() string {
	switch d {
	case dimTime:
		return "a latency"
	case dimCount:
		return "a count"
	case dimRate:
		return "a rate"
	case dimByteRate:
		return "a byte rate"
	case dimNone:
	}
	return "a plain number"
}

// unit is a suffix a number may carry.
type unit struct {
	dim   dim
	scale float64 // to the dimension's unit
	name  string  // as result.Gate.Unit gives it; "" for a factor
}

// units are the suffixes a number takes. Sizes may be written with or
// without "/s": bytes_per_s is the only quantity in bytes.
var units = map[string]unit{
	"ns": {dimTime, 1e-3, "ns"}, "us": {dimTime, 1, "us"}, "µs": {dimTime, 1, "us"}, "ms": {dimTime, 1e3, "ms"}, "s": {dimTime, 1e6, "s"},
	"/s": {dimRate, 1, "/s"}, "/ms": {dimRate, 1e3, "/ms"}, "/min": {dimRate, 1.0 / 60, "/min"},
	"B": {dimByteRate, 1, "B/s"}, "KiB": {dimByteRate, 1 << 10, "KiB/s"}, "MiB": {dimByteRate, 1 << 20, "MiB/s"}, "GiB": {dimByteRate, 1 << 30, "GiB/s"},
	"B/s": {dimByteRate, 1, "B/s"}, "KiB/s": {dimByteRate, 1 << 10, "KiB/s"}, "MiB/s": {dimByteRate, 1 << 20, "MiB/s"}, "GiB/s": {dimByteRate, 1 << 30, "GiB/s"},
	"%": {dimNone, 0.01, ""},
}

// baseUnits name each dimension's unit, the one values are held in, as
// result.Gate.Unit gives it.
var baseUnits = map[dim]unit{
	dimTime: {dimTime, 1, "us"}, dimCount: {dimCount, 1, "count"}, dimRate: {dimRate, 1, "/s"},
	dimByteRate: {dimByteRate, 1, "B/s"},
}

// unitHelp lists the suffixes for messages.
const unitHelp = "us, ms, s (latency); /s (rate); B, KiB, MiB, with or without /s (byte rate); % (factor)"

// parseNumber reads a number with an optional unit: 50ms, 0.99, 10MiB/s,
// 99%, 1e3/s. The value comes back in its dimension's unit; u is the unit
// it was written in (the zero unit when bare).
func parseNumber(word string) (float64, unit, error) {
	n := numericPrefix(word)
	if n == 0 {
		return 0, unit{}, fmt.Errorf("%q is not a number", word)
	}
	v, err := strconv.ParseFloat(word[:n], 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, unit{}, fmt.Errorf("%q is not a finite number", word[:n])
	}
	suffix := word[n:]
	if suffix == "" {
		return v, unit{}, nil
	}
	u, ok := units[suffix]
	if !ok {
		return 0, unit{}, fmt.Errorf("unknown unit %q in %q (want %s)", suffix, word, unitHelp)
	}
	v *= u.scale
	if math.IsInf(v, 0) {
		return 0, unit{}, fmt.Errorf("%q is too large", word)
	}
	return v, u, nil
}

// numericPrefix is the length of the decimal number word starts with:
// an optional '-', digits with an optional fraction, an optional exponent.
func numericPrefix(word string) int {
	i := 0
	if strings.HasPrefix(word, "-") {
		i++
	}
	start := i
	for i < len(word) && isDigit(word[i]) {
		i++
	}
	if i < len(word) && word[i] == '.' {
		i++
		for i < len(word) && isDigit(word[i]) {
			i++
		}
	}
	if i == start || word[start:i] == "." {
		return 0
	}
	// An exponent only when digits follow, so that "5e" stays an error
	// about the unit rather than about the number.
	if i < len(word) && (word[i] == 'e' || word[i] == 'E') {
		j := i + 1
		if j < len(word) && (word[j] == '-' || word[j] == '+') {
			j++
		}
		k := j
		for k < len(word) && isDigit(word[k]) {
			k++
		}
		if k > j {
			i = k
		}
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// format writes v, held in d's unit, for people: 850µs, 12.35ms, 990/s.
func format(v float64, d dim) string {
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) }
	switch d {
	case dimTime:
		switch a := math.Abs(v); {
		case a >= 1e6:
			return g(v/1e6) + "s"
		case a >= 1e3:
			return g(v/1e3) + "ms"
		}
		return g(v) + "µs"
	case dimRate:
		return g(v) + "/s"
	case dimByteRate:
		switch a := math.Abs(v); {
		case a >= 1<<30:
			return g(v/(1<<30)) + "GiB/s"
		case a >= 1<<20:
			return g(v/(1<<20)) + "MiB/s"
		case a >= 1<<10:
			return g(v/(1<<10)) + "KiB/s"
		}
		return g(v) + "B/s"
	case dimCount:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatFloat(v, 'f', 0, 64)
		}
	case dimNone:
	}
	return g(v)
}
