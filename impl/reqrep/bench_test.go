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
	"github.com/nngbench/nngbench/impl/reqrep"
)

var benchSizes = []struct {
	name string
	size int
}{{"64B", 64}, {"1KiB", 1024}}

// BenchmarkReqRep measures one request in flight over loopback tcp, both
// ends in this process: bare mangos REQ/REP echoing raw bytes beside the
// layer (envelope, routing, metrics, retry and breaker bookkeeping) echoing a
// payload of the same size. ns/op is the round trip; compare the two as a
// ratio from the same run.
func BenchmarkReqRep(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run("bare/"+sz.name, func(b *testing.B) { benchBareReqRep(b, sz.size) })
		b.Run("layer/"+sz.name, func(b *testing.B) { benchLayerReqRep(b, sz.size) })
	}
}

func benchBareReqRep(b *testing.B, size int) {
	srv, err := rep.NewSocket()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
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
	defer cli.Close()
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
	for range 1000 {
		roundTrip()
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for range b.N {
		roundTrip()
	}
}

func benchLayerReqRep(b *testing.B, size int) {
	srv, err := reqrep.NewServer(reqrep.ServerConfig{Name: "worker-1"})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	srv.Handle("/echo", func(_ context.Context, r *envelope.Envelope) (json.RawMessage, error) { return r.Data, nil })
	addr, err := srv.Listen("tcp://127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	cli, err := reqrep.NewClient(reqrep.ClientConfig{Name: "controlplane", Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer cli.Close()
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
	for range 1000 {
		roundTrip()
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for range b.N {
		roundTrip()
	}
}
