// Package logging provides a log/slog handler that writes the reference
// cluster manager's line format:
//
//	2026-03-19 10:30:00 DEBUG messaging: Sent request msg_abc123 to worker-1
//
// The component comes from a "component" attribute (see Component); any
// other attributes follow the message as key=value.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// ComponentKey is the attribute that names the part of the program logging.
const ComponentKey = "component"

// ParseLevel accepts debug, info, warn, warning and error, in any case.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("logging: unknown level %q (want debug, info, warn or error)", s)
}

// New returns a logger writing the reference format to w at level and
// above, with warnings marked BadInput rate-limited by Limit's defaults.
func New(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(Limit(NewHandler(w, level), LimitOptions{}))
}

// Discard returns a logger that writes nothing and reports every level as
// disabled, so callers skip formatting.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Component returns l tagged with a component name.
func Component(l *slog.Logger, name string) *slog.Logger {
	if l == nil {
		l = Discard()
	}
	return l.With(ComponentKey, name)
}

// Handler is the slog.Handler behind New.
type Handler struct {
	mu        *sync.Mutex // shared by handlers derived with WithAttrs, as they share w
	w         io.Writer
	level     slog.Leveler
	component string
	prefix    string // group prefix for attribute keys
	attrs     string // preformatted " k=v" attributes
	now       func() time.Time
}

// NewHandler returns a Handler writing to w.
func NewHandler(w io.Writer, level slog.Leveler) *Handler {
	if level == nil {
		level = slog.LevelInfo
	}
	return &Handler{mu: new(sync.Mutex), w: w, level: level, now: time.Now}
}

// Enabled reports whether records at l are written.
func (h *Handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

// Handle writes one line.
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	t := r.Time
	if t.IsZero() {
		t = h.now()
	}
	var b strings.Builder
	b.WriteString(t.Format(time.DateTime))
	b.WriteByte(' ')
	b.WriteString(levelName(r.Level))
	b.WriteByte(' ')
	component, extra := h.component, h.attrs
	var more strings.Builder
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == ComponentKey && h.prefix == "" {
			component = a.Value.String()
		} else {
			writeAttr(&more, h.prefix, a)
		}
		return true
	})
	if component != "" {
		b.WriteString(component)
		b.WriteString(": ")
	}
	b.WriteString(r.Message)
	b.WriteString(extra)
	b.WriteString(more.String())
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

// WithAttrs returns a handler that adds attrs to every line.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	var b strings.Builder
	b.WriteString(h.attrs)
	for _, a := range attrs {
		if a.Key == ComponentKey && h.prefix == "" {
			h2.component = a.Value.String()
			continue
		}
		writeAttr(&b, h.prefix, a)
	}
	h2.attrs = b.String()
	return &h2
}

// WithGroup returns a handler that qualifies later attribute keys.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}

func writeAttr(b *strings.Builder, prefix string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range a.Value.Group() {
			writeAttr(b, p, g)
		}
		return
	}
	b.WriteByte(' ')
	b.WriteString(prefix)
	b.WriteString(a.Key)
	b.WriteByte('=')
	s := a.Value.String()
	if strings.ContainsAny(s, " \t\n\"=") || s == "" {
		fmt.Fprintf(b, "%q", s)
	} else {
		b.WriteString(s)
	}
}

// levelName gives the reference's names (WARNING, not WARN).
func levelName(l slog.Level) string {
	switch {
	case l < slog.LevelInfo:
		return "DEBUG"
	case l < slog.LevelWarn:
		return "INFO"
	case l < slog.LevelError:
		return "WARNING"
	}
	return "ERROR"
}
