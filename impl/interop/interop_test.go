package interop_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/pubsub"
	"github.com/nngbench/nngbench/impl/reqrep"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// nngcat returns the path of Debian's nngcat. CI installs it (.ci/run), so
// there its absence is a failure; elsewhere the test says why it skips.
func nngcat(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("nngcat")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nngcat not installed; .ci/run should have installed nng-utils")
		}
		t.Skip("nngcat not installed (apt-get install nng-utils)")
	}
	return path
}

// run runs nngcat with args, bounded in time, and returns what it printed.
func run(t *testing.T, bin string, timeout time.Duration, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("nngcat %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// nngcat, as a REQ peer written in C, sends a JSON envelope request over tcp
// and gets the layer server's envelope response.
func TestNngcatRequestToServer(t *testing.T) {
	bin := nngcat(t)
	srv, err := reqrep.NewServer(reqrep.ServerConfig{Name: "worker-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.Handle("/health", func(_ context.Context, r *envelope.Envelope) (json.RawMessage, error) {
		return json.RawMessage(`{"status":"healthy","asked_by":"` + r.Sender + `"}`), nil
	})
	addr, err := srv.Listen("tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, data, wantData, wantErr string
	}{
		{"health", `{"id":"msg_c0ffee","type":"request","endpoint":"/health","timestamp":"2026-03-19T10:30:00Z","sender":"nngcat","data":{}}`,
			`{"status":"healthy","asked_by":"nngcat"}`, ""},
		{"unknown endpoint", `{"id":"msg_c0ffee","type":"request","endpoint":"/nope","sender":"nngcat"}`, "", "unknown endpoint"},
		{"not an envelope", `hello`, "", "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := run(t, bin, 20*time.Second, "--req", "--dial", addr, "--raw", "--recv-timeout", "10", "--data", tc.data)
			resp, err := envelope.Unmarshal([]byte(out))
			if err != nil {
				t.Fatalf("reply %q: %v", out, err)
			}
			if resp.Type != envelope.Response || resp.Sender != "worker-1" || string(resp.Data) != tc.wantData ||
				!strings.Contains(resp.Error, tc.wantErr) || (tc.wantErr == "" && resp.Error != "") {
				t.Fatalf("reply %+v", resp)
			}
			if tc.wantErr == "" && resp.RequestID != "msg_c0ffee" {
				t.Fatalf("request_id %q", resp.RequestID)
			}
		})
	}
}

// A layer subscriber receives what nngcat publishes as "topic {envelope}",
// and only the topics it subscribed to.
func TestNngcatPublishToSubscriber(t *testing.T) {
	bin := nngcat(t)
	sub, err := pubsub.NewSubscriber(pubsub.SubscriberConfig{Name: "worker-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if err := sub.Subscribe("config."); err != nil {
		t.Fatal(err)
	}
	addr, err := sub.Listen("tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// PUB drops what it sends before the subscriber is connected, so nngcat
	// publishes bursts (its --interval takes whole seconds) until the test
	// has what it waits for. Each burst also carries a topic the subscriber
	// did not ask for, which must not arrive.
	const event = `{"id":"msg_nngcat","type":"event","endpoint":"config.update","timestamp":"2026-03-19T10:30:00Z","sender":"nngcat","data":{"version":7}}`
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	published := make(chan struct{})
	go func() {
		defer close(published)
		for ctx.Err() == nil {
			for _, data := range []string{"metrics.cpu " + strings.Replace(event, "config.update", "metrics.cpu", 1), "config.update " + event} {
				_ = exec.CommandContext(ctx, bin, "--pub", "--dial", addr, "--interval", "0", "--count", "2000", "--data", data).Run()
			}
		}
	}()
	defer func() { cancel(); <-published }()
	e, err := sub.Recv(ctx)
	if err != nil {
		t.Fatalf("nothing received from nngcat: %v", err)
	}
	if e.Type != envelope.Event || e.Endpoint != "config.update" || e.Sender != "nngcat" || string(e.Data) != `{"version":7}` {
		t.Fatalf("received %+v", e)
	}
}
