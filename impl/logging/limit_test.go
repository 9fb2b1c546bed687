package logging_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/logging"
)

// syncBuffer is a bytes.Buffer safe for the limiter's timer to write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := strings.TrimSuffix(b.buf.String(), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

var suppressedRE = regexp.MustCompile(` suppressed=(\d+)$`)

// tally splits lines with msg into those written for a record and the
// summaries, and adds up the records the summaries count.
func tally(lines []string, msg string) (written, summaries, suppressed int) {
	for _, l := range lines {
		if !strings.Contains(l, msg) {
			continue
		}
		if m := suppressedRE.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			summaries++
			suppressed += n
		} else {
			written++
		}
	}
	return written, summaries, suppressed
}

// N bad-input warnings write at most Burst lines per interval and a summary
// line per interval that counts the rest; every record is accounted for.
func TestBadInputIsRateLimited(t *testing.T) {
	const burst, interval = 3, 200 * time.Millisecond
	for _, tc := range []struct {
		name       string
		goroutines int
		each       int
	}{
		{"one sender", 1, 1000},
		{"four senders", 4, 250},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf syncBuffer
			log := logging.Component(slog.New(logging.Limit(logging.NewHandler(&buf, slog.LevelInfo),
				logging.LimitOptions{Burst: burst, Interval: interval})), "worker")
			start := time.Now()
			var wg sync.WaitGroup
			for g := range tc.goroutines {
				wg.Go(func() {
					for i := range tc.each {
						log.Warn("dropped a message that is not an envelope", logging.BadInput, "n", g*tc.each+i)
						log.Warn("another kind", logging.BadInput)
					}
				})
			}
			wg.Wait()
			log.Warn("not bad input: never limited")
			total := tc.goroutines * tc.each
			for _, msg := range []string{"dropped a message that is not an envelope", "another kind"} {
				testkit.Eventually(t, 10*time.Second, func() bool {
					w, _, s := tally(buf.lines(), msg)
					return w+s == total
				}, "%s: the summaries never accounted for %d records:\n%s", msg, total, strings.Join(buf.lines(), "\n"))
				windows := int(time.Since(start)/interval) + 1
				w, sums, _ := tally(buf.lines(), msg)
				if w > burst*windows || sums > windows || w < burst {
					t.Errorf("%s: %d lines and %d summaries for %d records over %d windows; want %d..%d lines, at most %d summaries",
						msg, w, sums, total, windows, burst, burst*windows, windows)
				}
			}
			lines := buf.lines()
			if n := len(lines); n > 2*(burst+1)*(int(time.Since(start)/interval)+1)+1 {
				t.Errorf("%d lines for %d records", n, 2*total)
			}
			for _, l := range lines {
				if strings.Contains(l, "bad_input") || !strings.Contains(l, "WARNING worker: ") {
					t.Errorf("line %q: want the component and no marker", l)
				}
			}
			if !strings.Contains(strings.Join(lines, "\n"), "not bad input: never limited") {
				t.Error("an unmarked warning was dropped")
			}
		})
	}
}

// Unmarked records are never limited, and messages that differ every
// time share one window once MaxKeys are tracked, so memory stays bounded.
func TestLimitKeepsOtherRecordsAndBoundsKeys(t *testing.T) {
	var buf syncBuffer
	log := slog.New(logging.Limit(logging.NewHandler(&buf, slog.LevelInfo),
		logging.LimitOptions{Burst: 1, Interval: time.Hour, MaxKeys: 4}))
	for i := range 100 {
		log.Warn(fmt.Sprintf("plain %d", i))
		log.Warn(fmt.Sprintf("bad %d", i), logging.BadInput)
	}
	var plain, bad int
	for _, l := range buf.lines() {
		switch {
		case strings.Contains(l, "plain"):
			plain++
		case strings.Contains(l, "bad"):
			bad++
		}
	}
	if plain != 100 || bad != 5 { // 4 keys of their own, then one shared window
		t.Errorf("%d plain and %d bad lines; want 100 and 5", plain, bad)
	}
}
