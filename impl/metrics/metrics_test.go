package metrics_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/metrics"
)

func TestSnapshotAndPrometheus(t *testing.T) {
	reg := metrics.NewRegistry()
	s := reg.Socket("worker-1", "rep")
	s.AddAddress("tcp://127.0.0.1:5555")
	s.ConnUp()
	s.ConnUp()
	s.ConnDown()
	s.Sent(100)
	s.Received(40)
	s.Received(60)
	s.Error(metrics.KindDecode)
	s.Error(metrics.KindTLS)
	s.Error(metrics.KindTLS)
	s.Dropped(3)
	s.Retry()
	s.ObserveLatency(2 * time.Millisecond)
	s.ObserveLatency(4 * time.Millisecond)
	s.ObserveAge(time.Millisecond)

	st, ok := reg.Snapshot().Socket("worker-1")
	if !ok {
		t.Fatal("socket missing from snapshot")
	}
	want := metrics.SocketStats{
		Name: "worker-1", Pattern: "rep", Addresses: []string{"tcp://127.0.0.1:5555"},
		Connections: 1, Sent: 1, Received: 2, BytesSent: 100, BytesReceived: 100, Dropped: 3, Retries: 1,
		Latency: metrics.Summary{Count: 2, Sum: 6 * time.Millisecond, Max: 4 * time.Millisecond},
		Age:     metrics.Summary{Count: 1, Sum: time.Millisecond, Max: time.Millisecond},
	}
	if st.Name != want.Name || st.Pattern != want.Pattern || st.Addresses[0] != want.Addresses[0] ||
		st.Connections != want.Connections || st.Sent != want.Sent || st.Received != want.Received ||
		st.BytesSent != want.BytesSent || st.BytesReceived != want.BytesReceived || st.Dropped != want.Dropped ||
		st.Retries != want.Retries || st.Latency != want.Latency || st.Age != want.Age {
		t.Fatalf("got  %+v\nwant %+v", st, want)
	}
	if st.Errors["decode"] != 1 || st.Errors["tls"] != 2 || st.ErrorTotal() != 3 || st.Latency.Mean() != 3*time.Millisecond {
		t.Fatalf("errors %v, mean %v", st.Errors, st.Latency.Mean())
	}

	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, line := range []string{
		`nngbench_messages_sent_total{pattern="rep",socket="worker-1"} 1`,
		`nngbench_messages_received_total{pattern="rep",socket="worker-1"} 2`,
		`nngbench_connections{pattern="rep",socket="worker-1"} 1`,
		`nngbench_errors_total{kind="tls",pattern="rep",socket="worker-1"} 2`,
		`nngbench_messages_dropped_total{pattern="rep",socket="worker-1"} 3`,
		`nngbench_request_latency_seconds_count{socket="worker-1"} 2`,
		`nngbench_message_age_seconds_count{socket="worker-1"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), line) {
			t.Errorf("exposition lacks %q", line)
		}
	}

	reg.Remove(s)
	if _, ok := reg.Snapshot().Socket("worker-1"); ok {
		t.Fatal("removed socket still listed")
	}
}

// Two sockets with one name would make Prometheus refuse the scrape.
func TestDuplicateNamesMadeUnique(t *testing.T) {
	reg := metrics.NewRegistry()
	a, b, c := reg.Socket("cp", "req"), reg.Socket("cp", "req"), reg.Socket("cp", "pub")
	if a.Name() != "cp" || b.Name() != "cp#2" || c.Name() != "cp#3" {
		t.Fatalf("names %q %q %q", a.Name(), b.Name(), c.Name())
	}
	if _, err := reg.Prometheus().Gather(); err != nil {
		t.Fatal(err)
	}
}

func TestNilSocketIsNoOp(t *testing.T) {
	var s *metrics.Socket
	s.Sent(1)
	s.Received(1)
	s.Error(metrics.KindSend)
	s.ConnUp()
	s.ObserveLatency(time.Second)
	if s.Connections() != 0 || s.Errors(metrics.KindSend) != 0 {
		t.Fatal("nil socket counted")
	}
}

func TestConcurrentCounting(t *testing.T) {
	reg := metrics.NewRegistry()
	s := reg.Socket("x", "push")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				s.Sent(1)
				s.ObserveLatency(time.Duration(i) * time.Microsecond)
			}
		}()
	}
	wg.Wait()
	st := s.Stats()
	if st.Sent != 8000 || st.Latency.Count != 8000 || st.Latency.Max != 999*time.Microsecond {
		t.Fatalf("%+v", st)
	}
}
