package history_test

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/result"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// sample is a history of two workloads: an open-loop request/reply at
// 300,000/s with one timeout, and a fan-out whose second tape is empty.
func sample(n int) *history.History {
	h := &history.History{Meta: history.Meta{
		Result:    result.Result{Scenario: "s", StartedAt: t0, Workloads: []result.Workload{}},
		Interval:  time.Second,
		Workloads: []history.Workload{{Name: "rr", Pattern: "reqrep", Peers: []string{"a", "b"}, Owed: history.OwedOne}, {Name: "ps", Owed: history.OwedEach}},
		Events:    []history.Event{{At: t0, Kind: "node_offline", Node: "a"}},
	}}
	var tape []history.Op
	base := t0.UnixNano()
	for i := range n {
		due := base + int64(i)*3333
		sent := due + 1500 + int64(i%7)*100
		peer := int32(i % 2)
		tape = append(tape, history.SendOp(0, uint64(i), peer, due, sent, 1024))
		if i == n/2 {
			tape = append(tape, history.FailOp(0, uint64(i), peer, due, sent+int64(time.Second), history.Timeout))
			continue
		}
		r := history.ReceiptOp(0, uint64(i), peer, sent+25000+int64(i%13)*300, 1024)
		r.Flags = history.FlagReplayed
		tape = append(tape, r)
	}
	h.Tapes = [][][]history.Op{{tape}, {{history.ReceiptOp(math.MaxUint32, math.MaxUint64, 1<<31-1, -5, 0)}}}
	return h
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 1000, 1<<16 + 3} { // the last spans two blocks
		h := sample(n)
		var b bytes.Buffer
		if err := history.Write(&b, h); err != nil {
			t.Fatal(err)
		}
		got, err := history.Read(bytes.NewReader(b.Bytes()), "mem")
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		h.Meta.Schema = history.Schema
		if !reflect.DeepEqual(got.Meta, h.Meta) {
			t.Errorf("n=%d: meta\n got %+v\nwant %+v", n, got.Meta, h.Meta)
		}
		if !reflect.DeepEqual(got.Tapes, h.Tapes) {
			t.Errorf("n=%d: ops differ after the round trip", n)
		}
	}
}

// TestBytesPerOp holds the encoding to its budget: at most 24 bytes per
// operation (a send and its receipt), at 300,000 requests a second.
func TestBytesPerOp(t *testing.T) {
	t.Parallel()
	const n = 100_000
	var b bytes.Buffer
	if err := history.Write(&b, sample(n)); err != nil {
		t.Fatal(err)
	}
	per := float64(b.Len()) / n
	t.Logf("%d bytes for %d operations: %.1f bytes each", b.Len(), n, per)
	if per > 24 {
		t.Errorf("%.1f bytes per operation, budget 24", per)
	}
}

func TestReadRefuses(t *testing.T) {
	t.Parallel()
	var good bytes.Buffer
	if err := history.Write(&good, sample(10)); err != nil {
		t.Fatal(err)
	}
	g := good.Bytes()
	flip := func(i int) []byte { b := bytes.Clone(g); b[i] ^= 0x40; return b }
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not a history", []byte("{\"schema\":\"nngbench/result/v1\"}")},
		{"truncated", g[:len(g)-3]},
		{"a flipped bit in the meta", flip(12)},
		{"a flipped bit in an op", flip(len(g) - 20)},
		{"bytes after the end", append(bytes.Clone(g), 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := history.Read(bytes.NewReader(tt.data), "f.nnh"); !errors.Is(err, history.ErrFormat) {
				t.Errorf("Read = %v, want ErrFormat", err)
			}
		})
	}
}

func TestFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := sample(50)
	if err := history.WriteFile(dir, h); err != nil {
		t.Fatal(err)
	}
	got, err := history.ReadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Tapes, h.Tapes) {
		t.Error("ops differ after the file round trip")
	}
}

func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	_ = history.Write(&b, sample(20))
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := history.Read(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		var again bytes.Buffer
		if err := history.Write(&again, h); err != nil {
			t.Fatal(err)
		}
		h2, err := history.Read(bytes.NewReader(again.Bytes()), "again")
		if err != nil {
			t.Fatalf("a history read back does not read again: %v", err)
		}
		if !reflect.DeepEqual(h.Tapes, h2.Tapes) {
			t.Fatal("ops change in a second round trip")
		}
	})
}
