package logging

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// badInputKey is the attribute BadInput sets; the limiter removes it.
const badInputKey = "bad_input"

// BadInput marks a warning about input from a peer or a file, which a
// hostile or broken peer can repeat at will: such records are rate-limited
// by the handler that Limit returns (and New uses), a count per interval
// rather than a line per message. Pass it among the attributes:
//
//	log.Warn("dropped a message that is not an envelope", logging.BadInput, "error", err)
var BadInput = slog.Bool(badInputKey, true)

// LimitOptions bound the lines that BadInput records write.
type LimitOptions struct {
	// Burst is how many lines one message (per component) writes in an
	// interval before the rest are only counted; default 5.
	Burst int
	// Interval is the window Burst applies to; at its end one summary line
	// gives the count suppressed in it, if any; default 10s.
	Interval time.Duration
	// MaxKeys bounds the distinct messages tracked at once (memory stays
	// bounded under messages that differ every time); records beyond it
	// share one window. Default 1024.
	MaxKeys int
}

// Defaults of LimitOptions.
const (
	DefaultBurst    = 5
	DefaultInterval = 10 * time.Second
	DefaultMaxKeys  = 1024
)

// WithDefaults fills the zero fields.
func (o LimitOptions) WithDefaults() LimitOptions {
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = DefaultMaxKeys
	}
	return o
}

// Limit wraps h so that records carrying BadInput write at most
// o.Burst lines per message and component per o.Interval, then one
// summary line with the number suppressed. Other records pass unchanged.
func Limit(h slog.Handler, o LimitOptions) slog.Handler {
	return &limitHandler{next: h, st: &limitState{opts: o.WithDefaults(), windows: map[string]*window{}}}
}

type limitHandler struct {
	next  slog.Handler
	st    *limitState // shared by the handlers derived with WithAttrs and WithGroup
	scope string      // the component, part of the key
}

type limitState struct {
	opts    LimitOptions
	mu      sync.Mutex
	windows map[string]*window
}

// window is one message's current interval.
type window struct {
	msg        string
	level      slog.Level
	next       slog.Handler // writes the summary, with the first record's component
	written    int
	suppressed int
}

func (h *limitHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *limitHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	scope := h.scope
	for _, a := range attrs {
		if a.Key == ComponentKey {
			scope = a.Value.String()
		}
	}
	return &limitHandler{next: h.next.WithAttrs(attrs), st: h.st, scope: scope}
}

func (h *limitHandler) WithGroup(name string) slog.Handler {
	return &limitHandler{next: h.next.WithGroup(name), st: h.st, scope: h.scope}
}

func (h *limitHandler) Handle(ctx context.Context, r slog.Record) error {
	marked := false
	r.Attrs(func(a slog.Attr) bool {
		marked = a.Key == badInputKey
		return !marked
	})
	if !marked {
		return h.next.Handle(ctx, r)
	}
	if !h.st.admit(h.scope+"\x00"+r.Message, r, h.next) {
		return nil
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != badInputKey {
			out.AddAttrs(a)
		}
		return true
	})
	return h.next.Handle(ctx, out)
}

// admit counts the record in its window and says whether it is written.
// The first record of a window arms the timer that ends it.
func (s *limitState) admit(key string, r slog.Record, next slog.Handler) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.windows[key]
	if w == nil {
		if len(s.windows) >= s.opts.MaxKeys {
			key = "\x00overflow"
			if w = s.windows[key]; w == nil {
				r.Message = "bad-input warnings of many kinds"
			}
		}
	}
	if w == nil {
		w = &window{msg: r.Message, level: r.Level, next: next}
		s.windows[key] = w
		time.AfterFunc(s.opts.Interval, func() { s.end(key) })
	}
	if w.written < s.opts.Burst {
		w.written++
		return true
	}
	w.suppressed++
	return false
}

// end closes key's window, writing the summary line if any record was
// suppressed in it.
func (s *limitState) end(key string) {
	s.mu.Lock()
	w := s.windows[key]
	delete(s.windows, key)
	s.mu.Unlock()
	if w == nil || w.suppressed == 0 {
		return
	}
	r := slog.NewRecord(time.Now(), w.level,
		fmt.Sprintf("%s: %d more suppressed in the last %v", w.msg, w.suppressed, s.opts.Interval), 0)
	r.AddAttrs(slog.Int("suppressed", w.suppressed))
	_ = w.next.Handle(context.Background(), r)
}
