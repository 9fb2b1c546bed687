package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/reqrep"
)

// VerifyReqRep runs a server and a client over tr: many requests in flight
// at once from several goroutines, each answered exactly, with the right
// request id, latency observed and counters that add up.
func VerifyReqRep(t *testing.T, tr testkit.Transport) {
	lopts, dopts := tr.Options(t)
	reg := metrics.NewRegistry()
	srv, err := reqrep.NewServer(reqrep.ServerConfig{Name: "server", Transport: lopts, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.Handle("/echo", func(_ context.Context, req *envelope.Envelope) (json.RawMessage, error) {
		return req.Data, nil
	})
	addr, err := srv.Listen(tr.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	cli, err := reqrep.NewClient(reqrep.ClientConfig{Name: "client", Transport: dopts, Metrics: reg, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	if err := cli.AddPeer("server", addr); err != nil {
		t.Fatal(err)
	}

	const goroutines, each = 8, 50
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				want := fmt.Sprintf(`{"g":%d,"i":%d}`, g, i)
				req := envelope.New(envelope.Request, "client", "/echo", json.RawMessage(want))
				resp, err := cli.Do(ctx, "server", req)
				switch {
				case err != nil:
					errs <- err
				case resp.RequestID != req.ID || string(resp.Data) != want || resp.Sender != "server" || resp.Type != envelope.Response:
					errs <- fmt.Errorf("request %s %s got %+v", req.ID, want, resp)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	const total = goroutines * each
	st := cli.Stats()[0]
	if st.Sent != total || st.Received != total || st.Latency.Count != total || st.Latency.Max <= 0 || st.Retries != 0 {
		t.Fatalf("client counters: %+v", st)
	}
	// The server counts a reply once SendMsg returns, which may be after
	// the client has it.
	testkit.Eventually(t, 5*time.Second, func() bool {
		s := srv.Stats()
		return s.Received == total && s.Sent == total && s.ErrorTotal() == 0
	}, "server counters: %+v", srv.Stats())
}
