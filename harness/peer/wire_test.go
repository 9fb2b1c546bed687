package peer

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3/protocol/push"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/scenario"
)

// An arrival log gives back exactly what went in, whatever the deltas: sequences that go back
// (reordering), times out of order, extremes.
func TestArrivalLogRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	want := []arrival{
		{},
		{sender: math.MaxUint32, seq: math.MaxUint64, intended: math.MaxInt64, actual: math.MinInt64, at: 0, bytes: maxLogBlock},
		{sender: 1, seq: 0, intended: math.MinInt64, actual: math.MaxInt64, at: math.MinInt64, bytes: 0},
	}
	now := time.Now().UnixNano()
	for i := range 1000 {
		in := now + int64(i)*1000 + rng.Int64N(500)
		want = append(want, arrival{sender: rng.Uint32N(4), seq: uint64(i) + rng.Uint64N(3), intended: in,
			actual: in + rng.Int64N(2000) - 100, at: in + rng.Int64N(1e6), bytes: 32 + rng.IntN(4096)})
	}
	var l arrivalLog
	for _, a := range want {
		l.add(a)
	}
	got, size := decodeLog(t, &l)
	if l.n != int64(len(want)) || !slices.Equal(got, want) {
		t.Fatalf("decoded %d arrivals (log says %d), want the %d encoded", len(got), l.n, len(want))
	}
	if per := float64(size) / float64(len(want)); per > 20 {
		t.Errorf("%.1f bytes per arrival: the deltas do not pay", per)
	}
}

// A log of many blocks decodes block by block to what went in.
func TestArrivalLogBlocks(t *testing.T) {
	t.Parallel()
	var l arrivalLog
	var want []arrival
	for i := range 3 * logBlock / 10 { // some 10 bytes an arrival: several blocks
		a := arrival{sender: 1, seq: uint64(i), intended: int64(i) * 1000, actual: int64(i)*1000 + 7, at: int64(i)*1000 + 900, bytes: 1024}
		l.add(a)
		want = append(want, a)
	}
	if len(l.blocks) < 2 {
		t.Fatalf("%d blocks: the test needs several", len(l.blocks))
	}
	for i, b := range l.blocks {
		if cap(b) != logBlock {
			t.Errorf("block %d grew to %d bytes, past its %d", i, cap(b), logBlock)
		}
	}
	if got, _ := decodeLog(t, &l); !slices.Equal(got, want) {
		t.Fatalf("decoded %d arrivals, want the %d encoded", len(got), len(want))
	}
}

// decodeLog decodes every block of l and says how many bytes they hold.
func decodeLog(t *testing.T, l *arrivalLog) (got []arrival, size int) {
	t.Helper()
	for _, b := range l.blocks {
		size += len(b)
		if err := decodeArrivals(b, func(a arrival) { got = append(got, a) }); err != nil {
			t.Fatal(err)
		}
	}
	return got, size
}

// A cut or corrupt log is an error, never a panic or a made-up arrival.
func TestArrivalLogCorrupt(t *testing.T) {
	t.Parallel()
	var l arrivalLog
	l.add(arrival{sender: 1, seq: 5, intended: 10, actual: 11, at: 20, bytes: 64})
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"cut", l.blocks[0][:len(l.blocks[0])-1]},
		{"overlong varint", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"sender over 32 bits", append(append([]byte{}, 0x80, 0x80, 0x80, 0x80, 0x10), l.blocks[0][1:]...)},
	} {
		n := 0
		err := decodeArrivals(tc.b, func(arrival) { n++ })
		if !errors.Is(err, ErrLog) || n != 0 {
			t.Errorf("%s: %d arrivals, err %v; want none and ErrLog", tc.name, n, err)
		}
	}
}

func FuzzDecodeArrivals(f *testing.F) {
	var l arrivalLog
	l.add(arrival{sender: 2, seq: 7, intended: 1e18, actual: 1e18 + 5, at: 1e18 + 900, bytes: 1024})
	l.add(arrival{sender: 2, seq: 6, intended: 1e18 - 3, actual: 1e18, at: 1e18 + 1000, bytes: 32})
	f.Add(l.blocks[0])
	f.Fuzz(func(t *testing.T, b []byte) {
		var got []arrival
		if decodeArrivals(b, func(a arrival) { got = append(got, a) }) != nil {
			return
		}
		var again arrivalLog // what decodes re-encodes to the same arrivals
		for _, a := range got {
			again.add(a)
		}
		var back []arrival
		for _, blk := range again.blocks {
			if err := decodeArrivals(blk, func(a arrival) { back = append(back, a) }); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(back, got) {
			t.Fatalf("re-encoded %d arrivals decode to %d", len(got), len(back))
		}
	})
}

// The peer protocol end to end, in this process: ready once attached, count, stop, and a report
// whose log holds every stamped message and counts the foreign one as an error.
func TestServeProtocol(t *testing.T) {
	t.Parallel()
	hub, err := push.NewSocket()
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	ln, err := hub.NewListener("tcp://127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ln.Listen(); err != nil {
		t.Fatal(err)
	}
	addr := ln.Address()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Serve(t.Context(), Options{Pattern: scenario.PatternPushPull, Role: "pull", Addr: addr, Index: 3}, inR, outW)
		_ = outW.Close()
	}()
	defer func() { _ = inW.Close(); _ = outR.Close() }()
	out := bufio.NewReader(outR)
	expect(t, out, evReady)
	const n = 50
	sent := make([]engine.Stamp, n)
	for i := range n {
		b := make([]byte, 100+i)
		sent[i] = engine.Stamp{Sender: 1, Seq: uint64(i), Intended: time.Now(), Actual: time.Now()}
		_ = sent[i].Put(b)
		if err := hub.Send(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := hub.Send([]byte("not stamped, and long enough to look like one")); err != nil {
		t.Fatal(err)
	}
	for got := int64(0); got < n; { // the drain's poll
		_, _ = io.WriteString(inW, cmdCount+"\n")
		got = expect(t, out, evCount).Count
	}
	_, _ = io.WriteString(inW, cmdStop+"\n")
	rep := expect(t, out, evReport).Report
	r := readBlocks(out, rep, 0)
	if r.err != nil || rep.Peer != 3 || rep.Arrivals != n || rep.Errors != 1 {
		t.Fatalf("report %+v (%v), want peer 3, %d arrivals, 1 error", rep, r.err, n)
	}
	var got []engine.Stamp
	for _, b := range r.blocks {
		if err := decodeArrivals(b, func(a arrival) { got = append(got, a.stamp()) }); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.EqualFunc(got, sent, func(a, b engine.Stamp) bool {
		return a.Seq == b.Seq && a.Sender == b.Sender && a.Intended.Equal(b.Intended) && a.Actual.Equal(b.Actual)
	}) {
		t.Errorf("logged %d stamps, not the %d sent", len(got), n)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// expect reads the next event and checks its kind.
func expect(t *testing.T, r *bufio.Reader, kind string) peerEvent {
	t.Helper()
	line, err := r.ReadBytes('\n')
	if err != nil {
		t.Fatalf("waiting for %q: %v", kind, err)
	}
	var ev peerEvent
	if err := json.Unmarshal(line, &ev); err != nil || ev.Event != kind {
		t.Fatalf("got %q (%v), want a %q event", line, err, kind)
	}
	return ev
}

// Options that cannot make a peer are refused before any socket opens.
func TestOptionsRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		o    Options
	}{
		{"no pattern", Options{Role: "pull", Addr: "tcp://127.0.0.1:1"}},
		{"heartbeat has no raw driver", Options{Pattern: scenario.PatternHeartbeat, Role: "pull", Addr: "tcp://127.0.0.1:1"}},
		{"sending side", Options{Pattern: scenario.PatternPushPull, Role: "push", Addr: "tcp://127.0.0.1:1"}},
		{"wrong role", Options{Pattern: scenario.PatternReqRep, Role: "pull", Addr: "tcp://127.0.0.1:1"}},
		{"no address", Options{Pattern: scenario.PatternBus, Role: "bus"}},
		{"negative index", Options{Pattern: scenario.PatternPair, Role: "pair", Addr: "tcp://127.0.0.1:1", Index: -1}},
		{"inproc from another process", Options{Pattern: scenario.PatternPair, Role: "pair", Addr: "inproc://hub"}},
		{"tls+tcp without TLS material", Options{Pattern: scenario.PatternPair, Role: "pair", Addr: "tls+tcp://127.0.0.1:1"}},
	} {
		if err := Serve(t.Context(), tc.o, nil, io.Discard); !errors.Is(err, ErrOptions) {
			t.Errorf("%s: %v, want ErrOptions", tc.name, err)
		}
	}
}
