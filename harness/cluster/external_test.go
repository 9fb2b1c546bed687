package cluster_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/impl/api"
)

// An external toxiproxy given by URL holds the cluster's proxies, and Close
// removes them from it.
func TestExternalToxiproxy(t *testing.T) {
	tp, err := cluster.NewToxiproxy()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tp.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	c, err := cluster.Start(t.Context(), cluster.Options{
		Workers: 1, Timing: fastTiming(), Dir: t.TempDir(), Bin: binDir, ToxiproxyURL: tp.URL(),
	})
	if err != nil {
		t.Fatal(err)
	}
	other := toxiclient.NewClient(tp.URL())
	got, err := other.Proxies()
	if err != nil {
		t.Fatal(err)
	}
	for _, link := range api.Links {
		if _, ok := got[c.ProxyPrefix()+".worker-1."+link]; !ok {
			t.Errorf("proxy %s.worker-1.%s not on the external server (has %d)", c.ProxyPrefix(), link, len(got))
		}
	}
	pid := c.Worker("worker-1").Pid()
	if err := c.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	assertGone(t, []int{pid})
	if got, err = other.Proxies(); err != nil || len(got) != 0 {
		t.Errorf("after Close: %d proxies (%v), want none", len(got), err)
	}
}

// Two runs of the same name share one external toxiproxy server at once:
// each one's proxies carry its name and a tag of its own, so neither gets
// HTTP 409 for the other's, both complete, and the server is left empty.
func TestExternalToxiproxyShared(t *testing.T) {
	tp, err := cluster.NewToxiproxy()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tp.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	const runs = 2
	clusters := make([]*cluster.Cluster, runs)
	errs := make([]error, runs)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Go(func() {
			clusters[i], errs[i] = cluster.Start(t.Context(), cluster.Options{
				Workers: 1, Timing: fastTiming(), Dir: t.TempDir(), Bin: binDir, ToxiproxyURL: tp.URL(), RunName: "reqrep.smoke",
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			for _, c := range clusters {
				if c != nil {
					_ = c.Close(t.Context())
				}
			}
			t.Fatalf("run %d: %v", i, err)
		}
	}
	other := toxiclient.NewClient(tp.URL())
	got, err := other.Proxies()
	if err != nil {
		t.Fatal(err)
	}
	if want := runs * len(api.Links); len(got) != want {
		t.Errorf("%d proxies on the server, want %d (%d runs of %d links)", len(got), want, runs, len(api.Links))
	}
	a, b := clusters[0].ProxyPrefix(), clusters[1].ProxyPrefix()
	if a == b || !strings.HasPrefix(a, "reqrep-smoke-") || !strings.HasPrefix(b, "reqrep-smoke-") {
		t.Errorf("prefixes %q and %q: want two of reqrep-smoke-<tag>", a, b)
	}
	for _, c := range clusters {
		for _, link := range api.Links {
			if _, ok := got[c.ProxyPrefix()+".worker-1."+link]; !ok {
				t.Errorf("proxy %s.worker-1.%s not on the server", c.ProxyPrefix(), link)
			}
		}
		// Each run reaches its own worker through its own proxies.
		if _, err := c.Health(t.Context(), "worker-1"); err != nil {
			t.Errorf("%s: worker-1 health: %v", c.ProxyPrefix(), err)
		}
	}
	for _, c := range clusters {
		if err := c.Close(t.Context()); err != nil {
			t.Error(err)
		}
	}
	if got, err = other.Proxies(); err != nil || len(got) != 0 {
		t.Errorf("after both closed: %d proxies (%v), want none", len(got), err)
	}
}

// The control plane as its own process (cmd/controlplane), read through
// its admin socket.
func TestSeparateControlPlane(t *testing.T) {
	c, err := cluster.Start(t.Context(), cluster.Options{
		Workers: 2, Timing: fastTiming(), Dir: t.TempDir(), Bin: binDir, ControlPlane: cluster.Separate,
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.ControlPlane() != nil {
		t.Error("ControlPlane() is not nil in Separate mode")
	}
	pids := []int{c.Worker("worker-1").Pid(), c.Worker("worker-2").Pid()}
	if err := c.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	assertGone(t, pids)
}

// Cancelling Start's context (Ctrl-C) tears the cluster down by itself.
func TestCancelClosesCluster(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	c, err := cluster.Start(ctx, cluster.Options{Workers: 1, Timing: fastTiming(), Dir: t.TempDir(), Bin: binDir})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	w := c.Worker("worker-1")
	cancel()
	select {
	case <-w.Exited():
	case <-time.After(20 * time.Second):
		t.Fatal("worker still running 20s after cancel")
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertGone(t, []int{w.Pid()})
}

func TestOptionsInvalid(t *testing.T) {
	cases := []struct {
		name string
		opts cluster.Options
		want error
	}{
		{"no workers", cluster.Options{Dir: t.TempDir(), Bin: binDir}, cluster.ErrInvalidOptions},
		{"inproc with the control plane apart", cluster.Options{Workers: 1, Transport: cluster.Inproc,
			ControlPlane: cluster.Separate, Dir: t.TempDir(), Bin: binDir}, cluster.ErrInvalidOptions},
		{"ipc without binaries", cluster.Options{Workers: 1, Transport: cluster.IPC, Dir: t.TempDir()}, cluster.ErrInvalidOptions},
		{"unknown transport", cluster.Options{Workers: 1, Transport: "udp", Dir: t.TempDir(), Bin: binDir}, cluster.ErrInvalidOptions},
		{"no dir", cluster.Options{Workers: 1, Bin: binDir}, cluster.ErrInvalidOptions},
		{"no binaries", cluster.Options{Workers: 1, Dir: t.TempDir(), Bin: t.TempDir()}, cluster.ErrInvalidOptions},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cluster.Start(t.Context(), tc.opts)
			if !errors.Is(err, tc.want) {
				t.Errorf("Start: %v, want %v", err, tc.want)
			}
		})
	}
}
