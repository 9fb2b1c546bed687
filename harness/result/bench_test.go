package result_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/nngbench/nngbench/harness/result"
)

// bigResult is sample() with n intervals in its first workload, encoded.
func bigResult(b *testing.B, n int) []byte {
	b.Helper()
	r := sample()
	iv := make([]result.Interval, n)
	for i := range iv {
		iv[i] = result.Interval{TS: float64(i) / 10, Sent: 100, Received: 99, P50US: 1000 + float64(i%97),
			P99US: 2000 + float64(i%89), MaxUS: 5000 + float64(i%83)}
	}
	r.Workloads[0].Intervals = iv
	data, err := result.Encode(r)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkDecode reads results of many intervals with Decode (every check:
// shape, duplicates, positions, consistency) beside a bare json.Unmarshal
// of the same bytes, the floor: Decode's cost and allocations should stay
// a small multiple of it, at any size (issue 12: 60,000 intervals took 17 s
// and 952 MB).
func BenchmarkDecode(b *testing.B) {
	for _, n := range []int{60_000, 600_000} {
		data := bigResult(b, n)
		b.Run(fmt.Sprintf("intervals=%d/Decode", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := result.Decode("big.json", data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("intervals=%d/json.Unmarshal", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var r result.Result
				if err := json.Unmarshal(data, &r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
