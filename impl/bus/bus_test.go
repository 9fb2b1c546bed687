package bus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3"
	rawbus "go.nanomsg.org/mangos/v3/protocol/bus"

	"github.com/nngbench/nngbench/impl/bus"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/transport"
)

const waitTimeout = 10 * time.Second

func newNode(t *testing.T, name string, o transport.Options) *bus.Node {
	t.Helper()
	n, err := bus.New(bus.Config{Name: name, Transport: o})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// connected returns two nodes over inproc, a listening and b dialing.
func connected(t *testing.T, o transport.Options) (a, b *bus.Node) {
	t.Helper()
	a, b = newNode(t, "a", o), newNode(t, "b", o)
	addr, err := a.Listen(testkit.Inproc.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Dial(addr); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, waitTimeout, func() bool {
		return a.Stats().Connections == 1 && b.Stats().Connections == 1
	}, "nodes not connected")
	return a, b
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  bus.Config
		want []string // fields the error names; none: valid
	}{
		{"defaults", bus.Config{Name: "n"}, nil},
		{"no name", bus.Config{}, []string{"name"}},
		{"negative buffer", bus.Config{Name: "n", Buffer: -1}, []string{"buffer"}},
		{"bad transport", bus.Config{Name: "n", Transport: transport.Options{ReadQueue: -1}}, []string{"transport", "queue"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.WithDefaults().Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, bus.ErrInvalidConfig) {
				t.Fatalf("Validate() = %v, want ErrInvalidConfig", err)
			}
			for _, f := range tc.want {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("Validate() = %v, want it to name %q", err, f)
				}
			}
		})
	}
	if got := (bus.Config{}).WithDefaults().Buffer; got != 1024 {
		t.Errorf("default Buffer = %d, want 1024", got)
	}
}

// TestSend covers Send and Broadcast failures, and that a failure neither
// breaks the node nor uses up a sequence number.
func TestSend(t *testing.T) {
	a, b := connected(t, transport.Options{MaxMessageSize: 4 << 10})
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	big, err := envelope.DataOf(string(bytes.Repeat([]byte("x"), 5<<10)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		data    json.RawMessage
		wantErr error
		wantSeq uint64 // of the message b receives; 0: none
	}{
		{"first", t.Context(), json.RawMessage(`1`), nil, 1},
		{"oversize", t.Context(), big, transport.ErrTooLarge, 0},
		{"ctx done", cancelled, json.RawMessage(`2`), context.Canceled, 0},
		{"after failures", t.Context(), json.RawMessage(`3`), nil, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := a.Broadcast(tc.ctx, "topic", tc.data)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Broadcast() error = %v, want %v", err, tc.wantErr)
			}
			if tc.wantSeq == 0 {
				return
			}
			if e.Seq != tc.wantSeq || e.Type != envelope.Event || e.Sender != "a" {
				t.Errorf("sent %+v, want event seq %d from a", e, tc.wantSeq)
			}
			ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
			defer cancel()
			got, err := b.Recv(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != e.ID || got.Seq != tc.wantSeq || !bytes.Equal(got.Data, tc.data) {
				t.Errorf("received %+v, want %+v", got, e)
			}
		})
	}
	if got := a.Stats().Errors["oversize"]; got != 1 {
		t.Errorf("counted %d oversize errors, want 1", got)
	}
}

// TestSendWithoutPeers checks that BUS drops rather than blocks.
func TestSendWithoutPeers(t *testing.T) {
	n := newNode(t, "alone", transport.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	for i := range 500 { // beyond any queue
		if _, err := n.Broadcast(ctx, "topic", nil); err != nil {
			t.Fatalf("Broadcast %d: %v", i, err)
		}
	}
}

// TestReceiveGarbage has a bare mangos bus peer send what is not an
// envelope: it is dropped and counted, and reading goes on.
func TestReceiveGarbage(t *testing.T) {
	n := newNode(t, "n", transport.Options{})
	addr, err := n.Listen(testkit.Inproc.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rawbus.NewSocket()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	if err := raw.Dial(addr); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, waitTimeout, func() bool { return n.Stats().Connections == 1 }, "peer not connected")
	good, err := envelope.Marshal(envelope.New(envelope.Event, "raw", "topic", nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range [][]byte{[]byte("garbage"), good} {
		if err := raw.Send(body); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	e, err := n.Recv(ctx)
	if err != nil || e.Sender != "raw" {
		t.Fatalf("Recv() = %+v, %v; want the good message", e, err)
	}
	if got := n.Stats().Errors["decode"]; got != 1 {
		t.Errorf("counted %d decode errors, want 1", got)
	}
}

func TestReceiveAPIs(t *testing.T) {
	a, b := connected(t, transport.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	for range 3 {
		if _, err := a.Broadcast(ctx, "topic", nil); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case e := <-b.C():
		if e.Seq != 1 {
			t.Errorf("C() gave seq %d, want 1", e.Seq)
		}
	case <-ctx.Done():
		t.Fatal("nothing on C()")
	}
	want := uint64(2)
	for e, err := range b.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq != want {
			t.Fatalf("All() gave seq %d, want %d", e.Seq, want)
		}
		if want++; want == 4 {
			break
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Recv(ctx); !errors.Is(err, mangos.ErrClosed) {
		t.Errorf("Recv after Close = %v, want mangos.ErrClosed", err)
	}
}
