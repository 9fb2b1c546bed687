package worker_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/metrics"
	"github.com/nngbench/nngbench/impl/pubsub"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/transport"
	"github.com/nngbench/nngbench/impl/worker"
)

const sharedSecret = "0123456789abcdef-shared-secret"

func secretFile(t *testing.T, secret string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	must(t, os.WriteFile(p, []byte(secret+"\n"), 0o600))
	return p
}

func newKey(t *testing.T, secret string) *envelope.Key {
	t.Helper()
	k, err := envelope.NewKey([]byte(secret))
	must(t, err)
	return k
}

// takeOver closes the control plane's PUB and binds an impostor's in its
// place, as any local process can while the control plane restarts: the
// worker redials its sub_address and hears whoever listens there. It
// returns the impostor once the worker has connected to it.
func takeOver(t *testing.T, cp *fakeCP, opts transport.Options, key *envelope.Key) *pubsub.Publisher {
	t.Helper()
	reg := metrics.NewRegistry()
	rogue, err := pubsub.NewPublisher(pubsub.PublisherConfig{Name: "controlplane", Transport: opts, Metrics: reg, Key: key})
	must(t, err)
	t.Cleanup(func() { _ = rogue.Close() })
	must(t, cp.pub.Close())
	testkit.Eventually(t, wait, func() bool {
		_, err := rogue.Listen(cp.pubAddr)
		return err == nil
	}, "could not bind %s after the control plane's PUB closed", cp.pubAddr)
	return rogue
}

// forge publishes a config update from rogue until the worker has
// handled one more broadcast than before.
func forge(t *testing.T, rogue *pubsub.Publisher, w *worker.Worker, s api.ConfigSnapshot) {
	t.Helper()
	before := w.Stats().ConfigBroadcasts
	data, err := envelope.DataOf(s)
	must(t, err)
	testkit.Eventually(t, wait, func() bool {
		if w.Stats().ConfigBroadcasts > before {
			return true
		}
		_, err := rogue.Publish(api.TopicConfigUpdate, data)
		must(t, err)
		return false
	}, "the worker never received the forged update")
}

// A forged config.update reached a worker from whoever listened at its
// sub_address (the control plane's PUB port, taken while it restarted),
// and was applied and kept. With auth.secret_file shared by the control
// plane and the worker, only updates signed with the secret are applied;
// the rest are refused and counted (Stats, /metrics).
func TestForgedConfigUpdate(t *testing.T) {
	for _, tc := range []struct {
		name         string
		workerSecret bool
		rogueSecret  string // "": unsigned
		wantApplied  bool
	}{
		{"no secret: any PUB at the address is obeyed", false, "", true},
		{"unsigned forgery refused", true, "", false},
		{"forgery signed with another secret refused", true, "another-secret-0123456789", false},
		{"forgery signed with the secret applied", true, sharedSecret, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cp := newFakeCPSigning(t, "tcp", "tcp://127.0.0.1:0", transport.Options{}, newKey(t, sharedSecret))
			cp.interval = 3600 // no heartbeats: broadcasts alone
			cfg := cp.workerConfig("worker-1")
			if tc.workerSecret {
				cfg.Auth.SecretFile = secretFile(t, sharedSecret)
			}
			reg := metrics.NewRegistry()
			w := startWorker(t, cfg, reg)
			cli := commandClient(t, w)
			cp.connected(1)
			testkit.Eventually(t, wait, func() bool { return w.Stats().Registered }, "never registered")
			real := snap(1, "mode", "real")
			cp.setSnapshot(real)
			cp.publish(real)
			waitConfig(t, cli, real) // the control plane's own update is applied

			var rogueKey *envelope.Key
			if tc.rogueSecret != "" {
				rogueKey = newKey(t, tc.rogueSecret)
			}
			rogue := takeOver(t, cp, transport.Options{}, rogueKey)
			forge(t, rogue, w, snap(2, "mode", "evil"))

			got, st := applied(t, cli), w.Stats()
			if tc.wantApplied {
				if got.Version != 2 || got.Values["mode"] != "evil" || st.ConfigRejected != 0 {
					t.Fatalf("config %+v, %d rejected; want the update applied", got, st.ConfigRejected)
				}
				return
			}
			if got.Version != 1 || got.Values["mode"] != "real" {
				t.Fatalf("forged update applied: config %+v", got)
			}
			if st.ConfigRejected == 0 || st.ConfigRejected >= st.ConfigBroadcasts {
				t.Fatalf("stats %+v: want the forgeries counted as rejected, the real update not", st)
			}
			if v := counterValue(t, reg, "nngbench_worker_config_rejected_total"); v < 1 {
				t.Fatalf("nngbench_worker_config_rejected_total = %v, want >= 1", v)
			}
		})
	}
}

// With TLS, every CA-signed certificate is valid for loopback, so an
// impostor with a worker's certificate passed as the control plane, and
// still does without server_name. With messaging.tls.server_name
// "controlplane" the worker's links accept only the certificate that names
// the control plane: the impostor is refused in the handshake
// (errors{kind="tls"}) and nothing it sends is applied.
func TestConfigImpostorRefusedByCertificate(t *testing.T) {
	for _, tc := range []struct {
		name, serverName string
		wantApplied      bool
	}{
		{"server_name controlplane: impostor refused", "controlplane", false},
		{"no server_name: any certificate of the CA is obeyed", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) { testImpostor(t, tc.serverName, tc.wantApplied) })
	}
}

func testImpostor(t *testing.T, serverName string, wantApplied bool) {
	ca := testkit.NewCA(t, "test-ca")
	srv, err := ca.Material(t, "controlplane").Server()
	must(t, err)
	cp := newFakeCPOn(t, "tls+tcp", "tls+tcp://127.0.0.1:0",
		transport.Options{TLS: srv, DialTLS: ca.Material(t, "controlplane").Client()})
	cp.interval = 3600
	cfg := cp.workerConfig("worker-1")
	cfg.Messaging.BindAddress = "tls+tcp://127.0.0.1:0"
	cfg.Messaging.TLS = ca.Files(t, "worker-1")
	cfg.Messaging.TLS.ServerName = serverName
	reg := metrics.NewRegistry()
	w := startWorker(t, cfg, reg)
	testkit.Eventually(t, wait, func() bool { return w.Stats().Registered }, "never registered with the real control plane")
	cp.connected(1)
	cli, err := reqrep.NewClient(reqrep.ClientConfig{Name: "test", Timeout: wait,
		Transport: transport.Options{DialTLS: ca.Material(t, "admin").Client()}})
	must(t, err)
	t.Cleanup(func() { _ = cli.Close() })
	must(t, cli.AddPeer("worker", w.Addresses()["bind"]))
	real := snap(1, "mode", "real")
	cp.setSnapshot(real)
	cp.publish(real)
	waitConfig(t, cli, real)

	impostor, err := ca.Material(t, "worker-2").Server()
	must(t, err)
	rogue := takeOver(t, cp, transport.Options{TLS: impostor}, nil)
	if wantApplied {
		forge(t, rogue, w, snap(2, "mode", "evil"))
		if got := applied(t, cli); got.Version != 2 || got.Values["mode"] != "evil" {
			t.Fatalf("config %+v, want the impostor's (this case shows the hole server_name closes)", got)
		}
		return
	}
	data, err := envelope.DataOf(snap(2, "mode", "evil"))
	must(t, err)
	testkit.Eventually(t, wait, func() bool {
		_, err := rogue.Publish(api.TopicConfigUpdate, data)
		must(t, err)
		st, _ := reg.Snapshot().Socket("worker-1/broadcasts")
		return st.Errors["tls"] >= 2 // refused, and refused again on the redial
	}, "the worker never refused the impostor's certificate")
	if got := applied(t, cli); got.Version != 1 || got.Values["mode"] != "real" {
		t.Fatalf("impostor's update applied: %+v", got)
	}
	if st := w.Stats(); st.ConfigBroadcasts != 1 {
		t.Fatalf("stats %+v: want only the real broadcast received", st)
	}
}

// counterValue is the value of the counter called name in reg (0 if absent).
func counterValue(t *testing.T, reg *metrics.Registry, name string) float64 {
	t.Helper()
	fams, err := reg.Prometheus().Gather()
	must(t, err)
	for _, f := range fams {
		if f.GetName() == name {
			var sum float64
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
			return sum
		}
	}
	return 0
}

// Snapshots are config too: with auth.secret_file, a worker applies a
// fetched snapshot (on registering, after a gap, or when a heartbeat reply
// shows a newer version) only from a reply signed with the secret, so a
// REP that is not the control plane cannot serve one either.
func TestForgedConfigSnapshot(t *testing.T) {
	for _, tc := range []struct {
		name        string
		cpSecret    string // what the REP signs its replies with; "": nothing
		wantApplied bool
	}{
		{"signed with the secret", sharedSecret, true},
		{"unsigned", "", false},
		{"signed with another secret", "another-secret-0123456789", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var key *envelope.Key
			if tc.cpSecret != "" {
				key = newKey(t, tc.cpSecret)
			}
			cp := newFakeCPSigning(t, "tcp", "tcp://127.0.0.1:0", transport.Options{}, key)
			cp.setSnapshot(snap(3, "mode", "served"))
			cfg := cp.workerConfig("worker-1")
			cfg.Auth.SecretFile = secretFile(t, sharedSecret)
			w := startWorker(t, cfg, nil)
			cli := commandClient(t, w)
			if tc.wantApplied {
				waitConfig(t, cli, snap(3, "mode", "served"))
				if st := w.Stats(); st.ConfigRejected != 0 {
					t.Fatalf("stats %+v", st)
				}
				return
			}
			testkit.Eventually(t, wait, func() bool {
				_, _, snapshots := cp.counts()
				return w.Stats().ConfigRejected >= 2 && snapshots >= 2
			}, "the worker never refused the snapshots (stats %+v)", w.Stats())
			if got := applied(t, cli); got.Version != 0 {
				t.Fatalf("applied %+v from an unauthenticated snapshot", got)
			}
		})
	}
}
