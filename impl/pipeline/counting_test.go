package pipeline

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3"
	"go.nanomsg.org/mangos/v3/protocol"
	"go.nanomsg.org/mangos/v3/protocol/xpush"

	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/metrics"
)

// fakePipe is a connection whose writes succeed or fail as told.
type fakePipe struct {
	id      uint32
	sendErr error
	private any
	sent    chan struct{}
	closed  chan struct{}
	once    sync.Once
}

func newFakePipe(id uint32, sendErr error) *fakePipe {
	return &fakePipe{id: id, sendErr: sendErr, sent: make(chan struct{}, 16), closed: make(chan struct{})}
}

func (p *fakePipe) ID() uint32               { return p.id }
func (p *fakePipe) SetPrivate(v any)         { p.private = v }
func (p *fakePipe) GetPrivate() any          { return p.private }
func (p *fakePipe) RecvMsg() *mangos.Message { <-p.closed; return nil }
func (p *fakePipe) Close() error             { p.once.Do(func() { close(p.closed) }); return nil }

func (p *fakePipe) SendMsg(m *mangos.Message) error {
	defer func() { p.sent <- struct{}{} }()
	if p.sendErr != nil {
		return p.sendErr
	}
	m.Free()
	return nil
}

func TestCountingProto(t *testing.T) {
	cases := []struct {
		name     string
		sendErr  error
		wantLost uint64
	}{
		{"written", nil, 0},
		{"connection failed", errors.New("broken pipe"), 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracker()
			tr.m = metrics.NewRegistry().Socket("push", "push")
			proto := newCountingProto(xpush.NewProtocol(), tr)
			defer proto.Close()
			if raw, err := proto.GetOption(protocol.OptionRaw); raw != false || err != nil {
				t.Errorf("OptionRaw = %v, %v; want false like protocol/push", raw, err)
			}
			pipe := newFakePipe(7, tc.sendErr)
			defer pipe.Close()
			if err := proto.AddPipe(pipe); err != nil {
				t.Fatal(err)
			}
			tr.setLimit(1)
			if !tr.tryAcquire() {
				t.Fatal("an empty tracker refused a message")
			}
			if err := proto.SendMsg(mangos.NewMessage(0)); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := tr.drain(ctx)
			switch {
			case tc.wantLost == 0 && err != nil:
				t.Errorf("drain: %v", err)
			case tc.wantLost > 0 && (!errors.Is(err, ErrLost) || !strings.Contains(err.Error(), "1 messages lost")):
				t.Errorf("drain: got %v, want ErrLost for 1 message", err)
			}
			if got := tr.m.Stats().Dropped; got != tc.wantLost {
				t.Errorf("metrics dropped %d, want %d", got, tc.wantLost)
			}
			// A lost message is reported once, not by every later Drain.
			if err := tr.drain(ctx); err != nil {
				t.Errorf("second drain: %v", err)
			}
			// xpush finds its state through the pipe it was given.
			proto.RemovePipe(pipe)
			if len(proto.pipes) != 0 {
				t.Errorf("%d pipes left after RemovePipe", len(proto.pipes))
			}
		})
	}
}

func TestTrackerWakesEveryDrain(t *testing.T) {
	tr := newTracker()
	tr.setLimit(1)
	const waiters = 4
	if !tr.tryAcquire() {
		t.Fatal("an empty tracker refused a message")
	}
	errs := make(chan error, waiters)
	for range waiters {
		go func() { errs <- tr.drain(context.Background()) }()
	}
	// Settle only once every Drain waits, so that each must be woken.
	testkit.Eventually(t, 5*time.Second, func() bool { return tr.waiters.Load() == waiters },
		"the drains never all waited")
	select {
	case err := <-errs:
		t.Fatalf("a Drain returned with a message pending: %v", err)
	default:
	}
	tr.settle()
	for range waiters {
		select {
		case err := <-errs:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a Drain was never woken")
		}
	}
}

func TestTrackerAdmission(t *testing.T) {
	tr := newTracker()
	tr.setLimit(4)
	for i := range 4 {
		if !tr.tryAcquire() {
			t.Fatalf("message %d of 4 refused", i+1)
		}
	}
	if tr.tryAcquire() {
		t.Fatal("a fifth message admitted with a limit of 4")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := tr.acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("acquire on a full tracker: %v, want DeadlineExceeded", err)
	}
	got := make(chan error, 1)
	go func() { got <- tr.acquire(context.Background()) }()
	testkit.Eventually(t, 5*time.Second, func() bool { return tr.waiters.Load() == 1 }, "the push never waited")
	tr.settle() // 3 pending: above the low-water mark of 2, so no wake yet
	tr.settle() // 2 pending: wake
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting push was never admitted")
	}
	if n := tr.pending.Load(); n != 3 {
		t.Errorf("pending %d, want 3", n)
	}
	if !tr.tryAcquire() {
		t.Fatal("the fourth slot refused")
	}
	go func() { got <- tr.acquire(context.Background()) }()
	testkit.Eventually(t, 5*time.Second, func() bool { return tr.waiters.Load() == 1 }, "the push never waited")
	tr.close()
	select {
	case err := <-got:
		if !errors.Is(err, mangos.ErrClosed) {
			t.Errorf("acquire on a closed tracker: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("close did not end a waiting push")
	}
}
