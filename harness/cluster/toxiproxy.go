package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Toxiproxy is a toxiproxy server run in this process, its HTTP API served
// on a loopback port of its own. Tests and programs that want an "external"
// server can start one with NewToxiproxy too.
type Toxiproxy struct {
	api  *toxiproxy.ApiServer
	srv  *http.Server
	url  string
	done chan error
}

// NewToxiproxy starts a toxiproxy server with its API on 127.0.0.1:0.
func NewToxiproxy() (*Toxiproxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cluster: toxiproxy: %w", err)
	}
	api := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	t := &Toxiproxy{
		api:  api,
		srv:  &http.Server{Handler: api.Routes(), ReadHeaderTimeout: 10 * time.Second},
		url:  "http://" + ln.Addr().String(),
		done: make(chan error, 1),
	}
	go func() {
		err := t.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		t.done <- err
	}()
	return t, nil
}

// URL is the server's API address, for toxiproxy's client.
func (t *Toxiproxy) URL() string { return t.url }

// Close stops the API, then every proxy and its connections, and waits
// for the server's goroutines.
func (t *Toxiproxy) Close(ctx context.Context) error {
	err := t.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, t.srv.Close())
	}
	serveErr := <-t.done
	clearErr := t.api.Collection.Clear()
	return errors.Join(err, serveErr, clearErr)
}

// newToxiClient is the client of the server at url; it checks the server
// answers.
func newToxiClient(url string) (*toxiclient.Client, error) {
	c := toxiclient.NewClient(url)
	if _, err := c.Version(); err != nil {
		return nil, fmt.Errorf("cluster: toxiproxy at %s: %w", url, err)
	}
	return c, nil
}

// closeIdleHTTP drops the keep-alive connections toxiproxy's client left in
// http.DefaultTransport (it has no way to use another), so that no
// connection goroutine outlives the cluster.
func closeIdleHTTP() {
	if tr, ok := http.DefaultTransport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
}

// proxyPrefix is the run's part of its proxies' names: the name, cleaned
// to what toxiproxy's router takes, and a random tag, so that two runs of
// one scenario on one server differ too.
func proxyPrefix(runName string) (string, error) {
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, runName)
	var tag [4]byte
	if _, err := rand.Read(tag[:]); err != nil {
		return "", fmt.Errorf("cluster: proxy names: %w", err)
	}
	return clean + "-" + hex.EncodeToString(tag[:]), nil
}

// proxyName is "<prefix>.worker-N.<link>". Not "worker-N/<link>":
// toxiproxy's API addresses a proxy as /proxies/{name}, and its router
// cannot match a name with a slash (creation works, then every later call
// gets a 404).
func (c *Cluster) proxyName(worker, link string) string { return c.prefix + "." + worker + "." + link }

// ProxyPrefix is what every proxy name of the cluster starts with, before
// ".worker-N.<link>": Options.RunName and a random tag.
func (c *Cluster) ProxyPrefix() string { return c.prefix }
