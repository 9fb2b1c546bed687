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
}

// units are the suffixes a number takes. Sizes may be written with or
// without "/s": bytes_per_s is the only quantity in bytes.
var units = map[string]unit{
	"ns": {dimTime, 1e-3}, "us": {dimTime, 1}, "µs": {dimTime, 1}, "ms": {dimTime, 1e3}, "s": {dimTime, 1e6},
	"/s": {dimRate, 1}, "/ms": {dimRate, 1e3}, "/min": {dimRate, 1.0 / 60},
	"B": {dimByteRate, 1}, "KiB": {dimByteRate, 1 << 10}, "MiB": {dimByteRate, 1 << 20}, "GiB": {dimByteRate, 1 << 30},
	"B/s": {dimByteRate, 1}, "KiB/s": {dimByteRate, 1 << 10}, "MiB/s": {dimByteRate, 1 << 20}, "GiB/s": {dimByteRate, 1 << 30},
	"%": {dimNone, 0.01},
}

// unitHelp lists the suffixes for messages.
const unitHelp = "us, ms, s (latency); /s (rate); B, KiB, MiB, with or without /s (byte rate); % (factor)"

// parseNumber reads a number with an optional unit: 50ms, 0.99, 10MiB/s,
// 99%, 1e3/s.
func parseNumber(word string) (float64, dim, error) {
	n := numericPrefix(word)
	if n == 0 {
		return 0, dimNone, fmt.Errorf("%q is not a number", word)
	}
	v, err := strconv.ParseFloat(word[:n], 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, dimNone, fmt.Errorf("%q is not a finite number", word[:n])
	}
	suffix := word[n:]
	if suffix == "" {
		return v, dimNone, nil
	}
	u, ok := units[suffix]
	if !ok {
		return 0, dimNone, fmt.Errorf("unknown unit %q in %q (want %s)", suffix, word, unitHelp)
	}
	v *= u.scale
	if math.IsInf(v, 0) {
		return 0, dimNone, fmt.Errorf("%q is too large", word)
	}
	return v, u.dim, nil
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
