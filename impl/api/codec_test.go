package api_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

func sampleTasks() api.TaskBatch {
	return api.TaskBatch{LeaseUntil: time.Date(2026, 11, 21, 10, 30, 0, 123456789, time.UTC), Tasks: []api.Task{
		{ID: "t-1", Kind: api.TaskEcho, Payload: strings.Repeat("x", 1024)},
		{ID: "t-2", Kind: api.TaskHash, Payload: "<a & b>\n\t\"quoted\" \\ é 😀 \u2028", Rounds: 3},
		{ID: "t-3", Kind: api.TaskSleep, SleepMS: 5},
	}}
}

func sampleResults() api.ResultBatch {
	at := time.Date(2026, 11, 21, 10, 30, 1, 5, time.UTC)
	return api.ResultBatch{Results: []api.TaskResult{
		{TaskID: "t-1", NodeID: "worker-1", Output: strings.Repeat("x", 1024), StartedAt: at, FinishedAt: at.Add(time.Millisecond)},
		{TaskID: "t-2", NodeID: "worker-2", Error: "unknown kind \"x\"", Replayed: true},
	}}
}

// The batch codec and encoding/json read each other's output to the same values.
func TestBatchCodecMatchesEncodingJSON(t *testing.T) {
	roundTrip(t, sampleTasks(), api.EncodeTasks, api.DecodeTasks)
	roundTrip(t, sampleResults(), api.EncodeResults, api.DecodeResults)
}

func roundTrip[T any](t *testing.T, v T, encode func(T) ([]byte, error), decode func([]byte) (T, error)) {
	t.Helper()
	b, err := encode(v)
	if err != nil {
		t.Fatal(err)
	}
	var std T
	if err := json.Unmarshal(b, &std); err != nil || !reflect.DeepEqual(std, v) {
		t.Fatalf("encoding/json read %+v, %v; want %+v", std, err, v)
	}
	b, _ = json.Marshal(v)
	if got, err := decode(b); err != nil || !reflect.DeepEqual(got, v) {
		t.Fatalf("the codec read %+v, %v; want %+v", got, err, v)
	}
}

// The figures the README gives for the codec: decoding a batch of 64 1 KiB
// tasks, beside encoding/json.
func BenchmarkDecodeTasks(b *testing.B) {
	batch := api.TaskBatch{LeaseUntil: time.Now()}
	for i := range 64 {
		batch.Tasks = append(batch.Tasks, api.Task{ID: fmt.Sprintf("task-%d", i), Kind: api.TaskEcho, Payload: strings.Repeat("x", 1024)})
	}
	data, err := json.Marshal(batch)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			var v api.TaskBatch
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("codec", func(b *testing.B) {
		for b.Loop() {
			if _, err := api.DecodeTasks(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestBatchCodecRejects(t *testing.T) {
	for _, in := range []string{``, `{`, `nul`, `{"tasks":[{"id":1}]}`, `{"tasks":{}}`, `{"results":"x"}`,
		`{"tasks":[],"lease_until":"yesterday"}`, `{"tasks":[{"id":"a","payload":"\x"}]}`, `[]x`} {
		_, errT := api.DecodeTasks([]byte(in))
		_, errR := api.DecodeResults([]byte(in))
		if errT == nil && errR == nil {
			t.Errorf("%q: both decoded", in)
		}
		for _, err := range []error{errT, errR} {
			if err != nil && !strings.HasPrefix(err.Error(), "api: decode ") {
				t.Errorf("%q: error %q does not say what it decoded", in, err)
			}
		}
	}
}

// Many goroutines encode and decode batches at once, as a process of workers does: each gets
// its own batch back. Under the race detector this also checks the codec's unsafe code
// (goccy/go-json, tried first, corrupted the heap here).
func TestBatchCodecConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				want := api.TaskBatch{LeaseUntil: time.Unix(int64(g), int64(i)).UTC()}
				for k := range 1 + i%16 {
					want.Tasks = append(want.Tasks, api.Task{ID: fmt.Sprintf("g%d-%d-%d", g, i, k), Kind: api.TaskEcho,
						Payload: strings.Repeat(strconv.Itoa(g), 64+k)})
				}
				b, err := api.EncodeTasks(want)
				if err != nil {
					t.Error(err)
					return
				}
				got, err := api.DecodeTasks(b)
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("goroutine %d batch %d came back as %+v, %v", g, i, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Whatever encoding/json reads, the batch codec reads to the same values; whatever the
// bytes, it returns (no panic). It may accept a little more than encoding/json does.
func FuzzDecodeBatches(f *testing.F) {
	for _, v := range []any{sampleTasks(), sampleResults(), api.TaskBatch{}, api.ResultBatch{}} {
		b, _ := json.Marshal(v)
		f.Add(b)
	}
	for _, s := range []string{`{"tasks":null}`, `{"results":[{"task_id":"\ud83d\ude00"}]}`, `{"tasks":[{"ID":"a"}]}`,
		`{"tasks":[{"id":"a","id":"b"}]}`, `{"tasks":[],"lease_until":null}`, " {\"results\" : [ ] } ", `{"tasks":[{"payload":"\u00"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var stdT api.TaskBatch
		errStd := json.Unmarshal(b, &stdT)
		got, err := api.DecodeTasks(b)
		if errStd == nil && (err != nil || !reflect.DeepEqual(got, stdT)) {
			t.Fatalf("tasks %q: encoding/json %+v, codec %+v, %v", b, stdT, got, err)
		}
		var stdR api.ResultBatch
		errStd = json.Unmarshal(b, &stdR)
		gotR, err := api.DecodeResults(b)
		if errStd == nil && (err != nil || !reflect.DeepEqual(gotR, stdR)) {
			t.Fatalf("results %q: encoding/json %+v, codec %+v, %v", b, stdR, gotR, err)
		}
	})
}
