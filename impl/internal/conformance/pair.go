package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/pair"
)

// pairCount is how many messages each side sends: well past mangos' queues,
// so flow control, not buffering, carries them.
const pairCount = 1000

// VerifyPair connects two pairs and has each send pairCount messages to the
// other at once, checking that all arrive, in order, and no more.
func VerifyPair(t *testing.T, tr testkit.Transport) {
	a, b := pairConnect(t, tr)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, p := range []*pair.Pair{a, b} {
		wg.Go(func() {
			for i := range pairCount {
				if _, err := p.SendData(ctx, "pair.test", json.RawMessage(fmt.Sprint(i))); err != nil {
					t.Errorf("%s: SendData %d: %v", p.Stats().Name, i, err)
					return
				}
			}
		})
	}
	wg.Go(func() { pairReceive(ctx, t, a, "pair-b") })
	wg.Go(func() { pairReceive(ctx, t, b, "pair-a") })
	wg.Wait()
	for _, p := range []*pair.Pair{a, b} {
		if st := p.Stats(); st.Sent != pairCount || st.Received != pairCount || st.ErrorTotal() != 0 {
			t.Errorf("%s: sent %d, received %d, errors %v; want %d, %d, none", st.Name, st.Sent, st.Received, st.Errors, pairCount, pairCount)
		}
	}
}

// pairReceive takes pairCount messages from p and checks they are from's,
// numbered 1, 2, 3... with matching data, and that nothing more follows.
func pairReceive(ctx context.Context, t *testing.T, p *pair.Pair, from string) {
	name := p.Stats().Name
	for i := range pairCount {
		e, err := p.Recv(ctx)
		if err != nil {
			t.Errorf("%s: Recv %d: %v", name, i, err)
			return
		}
		if e.Sender != from || e.Seq != uint64(i+1) || string(e.Data) != fmt.Sprint(i) {
			t.Errorf("%s: message %d is seq %d (data %s) from %s; want seq %d from %s", name, i, e.Seq, e.Data, e.Sender, i+1, from)
			return
		}
	}
	extra, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if e, err := p.Recv(extra); err == nil {
		t.Errorf("%s: unexpected extra message seq %d from %s", name, e.Seq, e.Sender)
	}
}

// pairConnect returns pair-a listening and pair-b dialled to it, connected.
func pairConnect(t *testing.T, tr testkit.Transport) (a, b *pair.Pair) {
	t.Helper()
	listen, dial := tr.Options(t)
	a, err := pair.New(pair.Config{Name: "pair-a", Transport: listen})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	b, err = pair.New(pair.Config{Name: "pair-b", Transport: dial})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	addr, err := a.Listen(tr.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Dial(addr); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		return a.Stats().Connections == 1 && b.Stats().Connections == 1
	}, "pairs not connected")
	return a, b
}
