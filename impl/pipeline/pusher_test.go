package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/pipeline"
	"github.com/nngbench/nngbench/impl/transport"
)

func TestPushTask(t *testing.T) {
	push, pull, _ := newPair(t, testkit.Inproc, nil)
	for i := 1; i <= 3; i++ {
		e, err := push.PushTask(timeout(t, wait), "/work", json.RawMessage(`{"i":1}`))
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq != uint64(i) || e.Type != envelope.Task || e.Sender != "push" || e.Endpoint != "/work" {
			t.Errorf("pushed %+v, want task #%d from push to /work", e, i)
		}
		got, err := pull.Recv(timeout(t, wait))
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != e.ID || got.Seq != e.Seq || string(got.Data) != `{"i":1}` {
			t.Errorf("received %+v, want %+v", got, e)
		}
	}
}

func TestOversize(t *testing.T) {
	const limit = 4 << 10
	push, pull, reg := newPair(t, testkit.TCP, func(push, _ *transport.Options) { push.MaxMessageSize = limit })
	big := json.RawMessage(`"` + strings.Repeat("x", limit) + `"`)
	if _, err := push.PushTask(timeout(t, wait), "/big", big); !errors.Is(err, transport.ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	if st, _ := reg.Snapshot().Socket("push"); st.Errors[metrics.KindOversize.String()] != 1 {
		t.Errorf("oversize errors %v, want 1", st.Errors)
	}
	// The refusal leaves nothing pending and the socket working.
	if err := push.Drain(timeout(t, time.Second)); err != nil {
		t.Errorf("drain after a refused push: %v", err)
	}
	if _, err := push.PushTask(timeout(t, wait), "/small", json.RawMessage(`"small"`)); err != nil {
		t.Fatal(err)
	}
	e, err := pull.Recv(timeout(t, wait))
	if err != nil {
		t.Fatal(err)
	}
	if e.Endpoint != "/small" {
		t.Errorf("got %s, want /small", e.Endpoint)
	}
}

// TestPushHonoursContext pushes with no puller and a one-message mangos
// queue, so the second push blocks until its context ends.
func TestPushHonoursContext(t *testing.T) {
	cases := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"ended before", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, context.Canceled},
		{"deadline while blocked", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 100*time.Millisecond)
		}, context.DeadlineExceeded},
		{"canceled while blocked", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			push, err := pipeline.NewPusher(pipeline.PusherConfig{Name: "push", Transport: transport.Options{WriteQueue: 1}})
			if err != nil {
				t.Fatal(err)
			}
			defer push.Close()
			if _, err := push.Listen(testkit.TCP.Addr(t)); err != nil {
				t.Fatal(err)
			}
			if _, err := push.PushTask(context.Background(), "/fill", nil); err != nil {
				t.Fatalf("first push, into the empty queue: %v", err)
			}
			ctx, cancel := tc.ctx()
			defer cancel()
			start := time.Now()
			_, err = push.PushTask(ctx, "/blocked", nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if d := time.Since(start); d > 500*time.Millisecond {
				t.Errorf("returned %v after start, want soon after the context ended", d)
			}
			// The queued message has nowhere to go: Drain must say so.
			err = push.Drain(timeout(t, 50*time.Millisecond))
			if !errors.Is(err, pipeline.ErrNotDrained) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("drain: got %v, want ErrNotDrained and DeadlineExceeded", err)
			}
		})
	}
}

func TestDrainAfterClose(t *testing.T) {
	push, err := pipeline.NewPusher(pipeline.PusherConfig{Name: "push"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := push.PushTask(context.Background(), "/queued", nil); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- push.Drain(context.Background()) }()
	if err := push.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, pipeline.ErrNotDrained) || !errors.Is(err, mangos.ErrClosed) {
			t.Errorf("drain: got %v, want ErrNotDrained and ErrClosed", err)
		}
	case <-time.After(wait):
		t.Fatal("Drain did not return after Close")
	}
	if _, err := push.PushTask(context.Background(), "/late", nil); !errors.Is(err, mangos.ErrClosed) {
		t.Errorf("push after close: got %v, want ErrClosed", err)
	}
}

// TestPushAdmitsWriteQueue pushes from several goroutines with no puller:
// exactly WriteQueue messages are accepted, the rest time out, and a
// puller that connects later gets every accepted one.
func TestPushAdmitsWriteQueue(t *testing.T) {
	const qlen, pushers, each = 8, 4, 5
	reg := metrics.NewRegistry()
	push, err := pipeline.NewPusher(pipeline.PusherConfig{Name: "push", Metrics: reg,
		Transport: transport.Options{WriteQueue: qlen}})
	if err != nil {
		t.Fatal(err)
	}
	defer push.Close()
	addr, err := push.Listen(testkit.TCP.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := timeout(t, 200*time.Millisecond)
	accepted := make(chan int, pushers)
	for range pushers {
		go func() {
			n := 0
			for range each {
				if _, err := push.PushTask(ctx, "/q", nil); err == nil {
					n++
				} else if !errors.Is(err, context.DeadlineExceeded) {
					t.Error(err)
				}
			}
			accepted <- n
		}()
	}
	total := 0
	for range pushers {
		total += <-accepted
	}
	if total != qlen {
		t.Fatalf("accepted %d pushes without a puller, want %d", total, qlen)
	}
	pull, err := pipeline.NewPuller(pipeline.PullerConfig{Name: "pull", Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer pull.Close()
	if err := pull.Dial(addr); err != nil {
		t.Fatal(err)
	}
	for i := range qlen {
		if _, err := pull.Recv(timeout(t, wait)); err != nil {
			t.Fatalf("message %d of %d: %v", i+1, qlen, err)
		}
	}
	if err := push.Drain(timeout(t, wait)); err != nil {
		t.Errorf("drain: %v", err)
	}
}
