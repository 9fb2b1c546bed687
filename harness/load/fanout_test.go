package load_test

import (
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/scenario"
)

// One-way PAIR, 1:1, open loop: nothing is lost, and every message has both its latencies.
func TestPairOpenLoop(t *testing.T) {
	t.Parallel()
	o := run(t, load.Spec{Spec: engine.Spec{Pattern: scenario.PatternPair, Rate: 1000, Duration: time.Second, Size: scenario.SizeRange{Min: 64, Max: 256}, Seed: 2}})
	send, recv := snapshots(o)
	if o.Loss.Lost != 0 || o.Loss.Duplicated != 0 {
		t.Errorf("loss %+v, want none", o.Loss)
	}
	if send.Sent == 0 || recv.Received != send.Sent {
		t.Fatalf("sent %d, received %d", send.Sent, recv.Received)
	}
	if len(o.Peers) != 1 || o.Peers[0].Received != o.Loss.Sent {
		t.Errorf("peers %+v, want one with all %d", o.Peers, o.Loss.Sent)
	}
	if n := o.Recv.Histogram().TotalCount(); n != recv.Received {
		t.Errorf("%d latencies for %d messages", n, recv.Received)
	}
	if n := o.Recv.Uncorrected().TotalCount(); n != recv.Received {
		t.Errorf("%d uncorrected latencies for %d messages", n, recv.Received)
	}
}

// Every bus node is owed every message from the hub, and time-to-last is taken per message.
func TestBusEveryNodeGetsAll(t *testing.T) {
	t.Parallel()
	const peers = 3
	o := run(t, load.Spec{Spec: engine.Spec{Pattern: scenario.PatternBus, Rate: 500, Duration: time.Second, Size: scenario.SizeRange{Min: 64, Max: 64}}, Peers: peers})
	send, recv := snapshots(o)
	if o.Loss.Lost != 0 || o.Loss.Duplicated != 0 {
		t.Errorf("loss %+v, want none", o.Loss)
	}
	if len(o.Peers) != peers {
		t.Fatalf("%d peers accounted, want %d", len(o.Peers), peers)
	}
	for _, p := range o.Peers {
		if p.Received != o.Loss.Sent || p.Lost != 0 {
			t.Errorf("node %d: received %d of %d, lost %d", p.Peer, p.Received, o.Loss.Sent, p.Lost)
		}
	}
	if send.Sent == 0 || recv.Received != peers*send.Sent {
		t.Errorf("received %d, want %d x %d", recv.Received, peers, send.Sent)
	}
	last := o.Last.Snapshot(o.End)
	if last.Received != send.Sent {
		t.Errorf("time-to-last for %d messages, want %d", last.Received, send.Sent)
	}
	if last.Latency.P50 < recv.Latency.P50 {
		t.Errorf("time-to-last p50 %v below a node's p50 %v", last.Latency.P50, recv.Latency.P50)
	}
}
