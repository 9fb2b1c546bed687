package scenario

import (
	"errors"
	"regexp"
	"testing"
)

// TestPatternsNameApart pins what nameWorkloads relies on to skip looking
// its generated names up: no pattern is another's name with a suffix
// (pattern-N), so the names generated for two patterns never meet.
func TestPatternsNameApart(t *testing.T) {
	t.Parallel()
	var ee *enumError
	if _, err := ParsePattern(""); !errors.As(err, &ee) || len(ee.want) < 2 {
		t.Fatalf("ParsePattern(\"\"): %v, want the list of patterns", err)
	}
	for _, p := range ee.want {
		suffixed := regexp.MustCompile("^" + regexp.QuoteMeta(p) + "-[0-9]+$")
		for _, q := range ee.want {
			if suffixed.MatchString(q) {
				t.Errorf("pattern %q is pattern %q with a suffix: their generated names can meet", q, p)
			}
		}
	}
}
