package pair_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	rawpair "go.nanomsg.org/mangos/v3/protocol/pair"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/pair"
	"github.com/nngbench/nngbench/impl/transport"
)

const waitTimeout = 10 * time.Second

func newPair(t *testing.T, name string, o transport.Options) *pair.Pair {
	t.Helper()
	p, err := pair.New(pair.Config{Name: name, Transport: o})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func listen(t *testing.T, p *pair.Pair) string {
	t.Helper()
	addr, err := p.Listen(testkit.Inproc.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func recv(t *testing.T, p *pair.Pair) *envelope.Envelope {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	e, err := p.Recv(ctx)
	if err != nil {
		t.Fatalf("Recv: %v", err)
	}
	return e
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  pair.Config
		want []string // fields the error names; none: valid
	}{
		{"defaults", pair.Config{Name: "p"}, nil},
		{"no name", pair.Config{}, []string{"name"}},
		{"negative buffer", pair.Config{Name: "p", Buffer: -1}, []string{"buffer"}},
		{"bad transport", pair.Config{Name: "p", Transport: transport.Options{MaxMessageSize: -1}}, []string{"transport", "max_message_size"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.WithDefaults().Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, pair.ErrInvalidConfig) {
				t.Fatalf("Validate() = %v, want ErrInvalidConfig", err)
			}
			for _, f := range tc.want {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("Validate() = %v, want it to name %q", err, f)
				}
			}
		})
	}
}

// TestSendWithoutPeer fills a one-message queue with no peer connected, so
// that further sends block, and checks they give up when ctx ends, unsent
// and without using up a sequence number.
func TestSendWithoutPeer(t *testing.T) {
	p := newPair(t, "a", transport.Options{WriteQueue: 1})
	if _, err := p.SendData(t.Context(), "t", nil); err != nil {
		t.Fatalf("first send, into the queue: %v", err)
	}
	const wait = 50 * time.Millisecond
	for _, tc := range []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		wantErr error
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(t.Context(), wait)
		}, context.DeadlineExceeded},
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(wait, cancel)
			return ctx, cancel
		}, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := tc.ctx()
			defer cancel()
			start := time.Now()
			_, err := p.SendData(ctx, "t", nil)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("SendData() error = %v, want %v", err, tc.wantErr)
			}
			if took := time.Since(start); took > wait+500*time.Millisecond {
				t.Errorf("SendData returned %v after ctx ended, want promptly", took-wait)
			}
		})
	}
	// A peer now gets the queued message and the next, and nothing given up.
	b := newPair(t, "b", transport.Options{})
	if err := b.Dial(listen(t, p)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SendData(t.Context(), "t", nil); err != nil {
		t.Fatal(err)
	}
	for want := uint64(1); want <= 2; want++ {
		if e := recv(t, b); e.Seq != want {
			t.Fatalf("peer got seq %d, want %d", e.Seq, want)
		}
	}
}

func TestSendOversize(t *testing.T) {
	a := newPair(t, "a", transport.Options{MaxMessageSize: 4 << 10})
	b := newPair(t, "b", transport.Options{})
	if err := b.Dial(listen(t, a)); err != nil {
		t.Fatal(err)
	}
	big, err := envelope.DataOf(string(bytes.Repeat([]byte("x"), 5<<10)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.SendData(t.Context(), "t", big); !errors.Is(err, transport.ErrTooLarge) {
		t.Fatalf("SendData(5 KiB) error = %v, want ErrTooLarge", err)
	}
	e, err := a.SendData(t.Context(), "t", []byte(`"small"`))
	if err != nil {
		t.Fatal(err)
	}
	if got := recv(t, b); got.ID != e.ID || got.Seq != 1 {
		t.Errorf("peer got %+v, want %+v", got, e)
	}
}

// TestReceiveBadMessages has a bare mangos pair peer send what no Pair
// would: each is dropped and counted, and the good message after it comes
// through.
func TestReceiveBadMessages(t *testing.T) {
	p := newPair(t, "p", transport.Options{MaxMessageSize: 4 << 10})
	raw, err := rawpair.NewSocket()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	if err := raw.Dial(listen(t, p)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, kind string // kind: the error kind counted
		body       []byte
	}{
		{"garbage", "decode", []byte("garbage")},
		{"oversize", "oversize", bytes.Repeat([]byte("x"), 6<<10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := envelope.New(envelope.Event, "raw", "t", nil)
			b, err := envelope.Marshal(good)
			if err != nil {
				t.Fatal(err)
			}
			for _, body := range [][]byte{tc.body, b} {
				if err := raw.Send(body); err != nil {
					t.Fatal(err)
				}
			}
			if e := recv(t, p); e.ID != good.ID {
				t.Errorf("got %+v, want %+v", e, good)
			}
			if got := p.Stats().Errors[tc.kind]; got != 1 {
				t.Errorf("counted %d %s errors, want 1", got, tc.kind)
			}
		})
	}
}
