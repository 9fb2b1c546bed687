package scenario

import (
	"testing"
	"time"
)

// TestParseUnits pins the value syntaxes: sizes, ranges, rates and
// durations, right and wrong, with the message a wrong one gets.
func TestParseUnits(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want any // the value, or the error message
		f    func(string) (any, error)
	}{
		{"64B", int64(64), size}, {"1KiB", int64(1024), size}, {"3MiB", int64(3 << 20), size}, {"0B", int64(0), size},
		{"1024", `bad size "1024": no unit (B, KiB or MiB)`, size},
		{"1.5KiB", `bad size "1.5KiB": must be a whole number (write 1536B, not 1.5KiB)`, size},
		{"1GiB", `bad size "1GiB": unit must be B, KiB or MiB`, size},
		{"-1B", `bad size "-1B" (want a whole number and B, KiB or MiB, e.g. 64B)`, size},
		{"99999999999999999MiB", `size "99999999999999999MiB" is too large`, size},
		{"64B..4KiB", SizeRange{64, 4096}, sizeRange}, {"1KiB", SizeRange{1024, 1024}, sizeRange},
		{"64B .. 64B", SizeRange{64, 64}, sizeRange}, {"0B", "must be > 0", sizeRange},
		{"64MiB", SizeRange{64 << 20, 64 << 20}, sizeRange}, {"1B..65MiB", "must be <= 64MiB", sizeRange},
		{"2000/s", Rate{2000}, rate}, {"2/ms", Rate{2000}, rate}, {"120/min", Rate{2}, rate}, {"0.5/s", Rate{0.5}, rate},
		{"2000", `bad rate "2000" (want N/s, N/ms or N/min)`, rate}, {"5/h", `bad rate "5/h" (want N/s, N/ms or N/min)`, rate},
		{"-1/s", "must be > 0", rate}, {"NaN/s", "must be > 0", rate}, {"inf/s", "must be finite", rate},
		{"1e308/ms", "must be finite", rate},
		{"1m30s", 90 * time.Second, duration}, {"0", time.Duration(0), duration},
		{"2 s", `bad duration "2 s"`, duration}, {"5", `bad duration "5": no unit (e.g. 5s or 5ms)`, duration},
	} {
		got, err := c.f(c.in)
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%q: got %v, want %v", c.in, got, c.want)
		}
	}
}

// TestFormatRoundTrip pins that the canonical writers give back what the
// parsers read, for values at unit boundaries.
func TestFormatRoundTrip(t *testing.T) {
	t.Parallel()
	for _, n := range []int64{1, 1023, 1024, 1025, MiB - 1, MiB, 3 * MiB, 1<<62 + 1} {
		if back, err := parseSize(formatSize(n)); err != nil || back != n {
			t.Errorf("%d -> %q -> %d, %v", n, formatSize(n), back, err)
		}
	}
	for _, r := range []float64{1, 2000, 1.0 / 3, 1e-9, 1e300} {
		if back, err := parseRate(Rate{r}.String()); err != nil || back.PerSecond != r {
			t.Errorf("%v -> %q -> %v, %v", r, Rate{r}.String(), back, err)
		}
	}
}

func size(s string) (any, error)      { v, err := parseSize(s); return v, err }
func sizeRange(s string) (any, error) { v, err := parseSizeRange(s); return v, err }
func rate(s string) (any, error)      { v, err := parseRate(s); return v, err }
func duration(s string) (any, error)  { v, err := parseDuration(s); return v, err }
