package reqrep_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3/protocol/rep"
	"go.nanomsg.org/mangos/v3/protocol/req"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/reqrep"
)

var benchSizes = []struct {
	name string
	size int
}{{"64B", 64}, {"1KiB", 1024}}

// BenchmarkReqRep measures one request in flight over loopback tcp, both
// ends in this process: bare mangos REQ/REP echoing raw bytes beside the
// layer (envelope, routing, metrics, retry and breaker bookkeeping) echoing a
// payload of the same size, in alternating blocks (testkit.Paired) so both
// see the same machine. base-ns/op and cand-ns/op are round trips.
func BenchmarkReqRep(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			bare, layer := bareReqRep(b, sz.size), layerReqRep(b, sz.size)
			testkit.Paired(b, 2000, bare, layer)
		})
	}
}

// bareReqRep connects plain mangos REQ and REP sockets and returns a
// function that makes n round trips.
func bareReqRep(b *testing.B, size int) func(int) {
	srv, err := rep.NewSocket()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	l, err := srv.NewListener("tcp://127.0.0.1:0", nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := l.Listen(); err != nil {
		b.Fatal(err)
	}
	go func() {
		for {
			m, err := srv.RecvMsg()
			if err != nil {
				return
			}
			if srv.SendMsg(m) != nil {
				return
			}
		}
	}()
	cli, err := req.NewSocket()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cli.Close() })
	if err := cli.Dial(l.Address()); err != nil {
		b.Fatal(err)
	}
	payload := []byte(strings.Repeat("x", size))
	roundTrip := func() {
		if err := cli.Send(payload); err != nil {
			b.Fatal(err)
		}
		if _, err := cli.Recv(); err != nil {
			b.Fatal(err)
		}
	}
	return repeat(roundTrip)
}

// repeat warms f up and returns a function that calls it n times.
func repeat(f func()) func(int) {
	for range 1000 {
		f()
	}
	return func(n int) {
		for range n {
			f()
		}
	}
}

// layerReqRep does the same with a reqrep Server and Client.
func layerReqRep(b *testing.B, size int) func(int) {
	srv, err := reqrep.NewServer(reqrep.ServerConfig{Name: "worker-1"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	srv.Handle("/echo", func(_ context.Context, r *envelope.Envelope) (json.RawMessage, error) { return r.Data, nil })
	addr, err := srv.Listen("tcp://127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	cli, err := reqrep.NewClient(reqrep.ClientConfig{Name: "controlplane", Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cli.Close() })
	if err := cli.AddPeer("worker-1", addr); err != nil {
		b.Fatal(err)
	}
	data := json.RawMessage(`"` + strings.Repeat("x", size-2) + `"`)
	ctx := context.Background()
	roundTrip := func() {
		if _, err := cli.Call(ctx, "worker-1", "/echo", data); err != nil {
			b.Fatal(err)
		}
	}
	return repeat(roundTrip)
}
