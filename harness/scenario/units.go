package scenario

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Byte sizes in a scenario are written with a unit: B, KiB or MiB.
const (
	KiB = 1 << 10
	MiB = 1 << 20
)

// MaxPayload is the largest workload message: mangos' default receive limit
// is far below, so bigger is a typo rather than a test.
const MaxPayload = 64 * MiB

// Rate is an open-loop send rate.
type Rate struct {
	PerSecond float64 // 0 = no rate: the workload is closed loop
}

// String writes the rate in the form Parse reads back exactly.
func (r Rate) String() string { return strconv.FormatFloat(r.PerSecond, 'g', -1, 64) + "/s" }

// SizeRange is a payload size in bytes; each message draws one in [Min, Max].
type SizeRange struct{ Min, Max int64 }

// String writes "1KiB" or "64B..4KiB", the forms Parse reads.
func (r SizeRange) String() string {
	if r.Min == r.Max {
		return formatSize(r.Min)
	}
	return formatSize(r.Min) + ".." + formatSize(r.Max)
}

// parseRate reads N/s, N/ms or N/min with N a positive float.
func parseRate(s string) (Rate, error) {
	num, unit, ok := strings.Cut(s, "/")
	scale := map[string]float64{"s": 1, "ms": 1000, "min": 1.0 / 60}[unit]
	if !ok || scale == 0 {
		return Rate{}, fmt.Errorf("bad rate %q (want N/s, N/ms or N/min)", s)
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return Rate{}, fmt.Errorf("bad rate %q (want N/s, N/ms or N/min)", s)
	}
	perSec := n * scale
	// ParseFloat takes "inf" and "nan"; neither is a rate a pacer can keep,
	// and NaN fails every comparison, hence !(> 0).
	switch {
	case !(perSec > 0):
		return Rate{}, fmt.Errorf("must be > 0")
	case math.IsInf(perSec, 0):
		return Rate{}, fmt.Errorf("must be finite")
	}
	return Rate{PerSecond: perSec}, nil
}

// parseSize reads an integer with a unit: 64B, 1KiB, 2MiB.
func parseSize(s string) (int64, error) {
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	unit := s[digits:]
	mult := map[string]int64{"B": 1, "KiB": KiB, "MiB": MiB}[unit]
	switch {
	case digits == 0:
		return 0, fmt.Errorf("bad size %q (want a whole number and B, KiB or MiB, e.g. 64B)", s)
	case strings.HasPrefix(unit, "."):
		return 0, fmt.Errorf("bad size %q: must be a whole number (write 1536B, not 1.5KiB)", s)
	case mult == 0 && unit == "":
		return 0, fmt.Errorf("bad size %q: no unit (B, KiB or MiB)", s)
	case mult == 0:
		return 0, fmt.Errorf("bad size %q: unit must be B, KiB or MiB", s)
	}
	n, err := strconv.ParseInt(s[:digits], 10, 64)
	if err != nil || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * mult, nil
}

// parseByteRate reads a bandwidth: a size, per second; the "/s" may be
// written or left implicit.
func parseByteRate(s string) (int64, error) { return parseSize(strings.TrimSuffix(s, "/s")) }

// parseSizeRange reads a size, or LOW..HIGH with LOW <= HIGH; both > 0.
func parseSizeRange(s string) (SizeRange, error) {
	lo, hi, isRange := strings.Cut(s, "..")
	if !isRange {
		hi = lo
	}
	low, err := parseSize(strings.TrimSpace(lo))
	if err != nil {
		return SizeRange{}, err
	}
	high, err := parseSize(strings.TrimSpace(hi))
	if err != nil {
		return SizeRange{}, err
	}
	switch {
	case low <= 0:
		return SizeRange{}, fmt.Errorf("must be > 0")
	case low > high:
		return SizeRange{}, fmt.Errorf("range %q is reversed (low must be <= high)", s)
	case high > MaxPayload:
		return SizeRange{}, fmt.Errorf("must be <= 64MiB")
	}
	return SizeRange{Min: low, Max: high}, nil
}

// formatSize writes bytes in the largest unit that divides them exactly, so
// that parseSize gives them back unchanged.
func formatSize(n int64) string {
	switch {
	case n != 0 && n%MiB == 0:
		return strconv.FormatInt(n/MiB, 10) + "MiB"
	case n != 0 && n%KiB == 0:
		return strconv.FormatInt(n/KiB, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10) + "B"
}

// parseDuration is time.ParseDuration with the message a scenario author
// needs: the quoted value, and a hint when only the unit is missing.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err == nil {
		return d, nil
	}
	if _, numErr := strconv.ParseFloat(s, 64); numErr == nil {
		return 0, fmt.Errorf("bad duration %q: no unit (e.g. %ss or %sms)", s, s, s)
	}
	return 0, fmt.Errorf("bad duration %q", s)
}
