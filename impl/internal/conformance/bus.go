package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/bus"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/transport"
)

// busCount is how many messages each node broadcasts: below mangos' send
// queue of 128, so BUS, which drops on a full queue, must deliver them all.
const busCount = 100

// VerifyBus connects three nodes in a full mesh (A listens; B listens and
// dials A; C dials A and B) and checks that each receives exactly the
// broadcasts of the other two, each sender's in Seq order.
func VerifyBus(t *testing.T, tr testkit.Transport) {
	nodes := busMesh(t, tr)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(func() {
			for i := range busCount {
				if _, err := n.Broadcast(ctx, "bus.test", json.RawMessage(fmt.Sprint(i))); err != nil {
					t.Errorf("%s: Broadcast %d: %v", n.Stats().Name, i, err)
					return
				}
			}
		})
		wg.Go(func() { busReceive(ctx, t, n, len(nodes)-1) })
	}
	wg.Wait()
}

// busReceive takes peers*busCount messages from n and checks that each
// sender's arrive complete and in order, and that nothing more follows.
func busReceive(ctx context.Context, t *testing.T, n *bus.Node, peers int) {
	name := n.Stats().Name
	last := map[string]uint64{}
	for range peers * busCount {
		e, err := n.Recv(ctx)
		if err != nil {
			t.Errorf("%s: Recv after %v: %v", name, last, err)
			return
		}
		if e.Sender == name || e.Seq != last[e.Sender]+1 || string(e.Data) != fmt.Sprint(e.Seq-1) {
			t.Errorf("%s: got seq %d (data %s) from %s after seq %d", name, e.Seq, e.Data, e.Sender, last[e.Sender])
			return
		}
		last[e.Sender] = e.Seq
	}
	// Every expected message is in; a duplicate would be close behind.
	extra, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if e, err := n.Recv(extra); err == nil {
		t.Errorf("%s: unexpected extra message seq %d from %s", name, e.Seq, e.Sender)
	}
}

// busMesh returns three connected nodes: every pair directly connected.
func busMesh(t *testing.T, tr testkit.Transport) []*bus.Node {
	t.Helper()
	listen, dial := tr.Options(t)
	a := busNode(t, "bus-a", listen)
	b := busNode(t, "bus-b", listen)
	c := busNode(t, "bus-c", dial)
	addrA := busListen(t, a, tr)
	addrB := busListen(t, b, tr)
	for _, d := range []struct {
		n    *bus.Node
		addr string
	}{{b, addrA}, {c, addrA}, {c, addrB}} {
		if err := d.n.Dial(d.addr); err != nil {
			t.Fatal(err)
		}
	}
	nodes := []*bus.Node{a, b, c}
	testkit.Eventually(t, 10*time.Second, func() bool {
		for _, n := range nodes {
			if n.Stats().Connections != 2 {
				return false
			}
		}
		return true
	}, "bus mesh not fully connected")
	return nodes
}

func busNode(t *testing.T, name string, o transport.Options) *bus.Node {
	t.Helper()
	n, err := bus.New(bus.Config{Name: name, Transport: o})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func busListen(t *testing.T, n *bus.Node, tr testkit.Transport) string {
	t.Helper()
	addr, err := n.Listen(tr.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
