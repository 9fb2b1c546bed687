package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/retry"
	"github.com/nngbench/nngbench/impl/tlsconf"
	"github.com/nngbench/nngbench/impl/transport"
)

// adminClient calls the control plane's admin API.
type adminClient struct {
	c       *reqrep.Client
	timeout time.Duration
}

const peer = "controlplane"

func dial(addr string, timeout time.Duration, tc tlsconf.Config) (*adminClient, error) {
	scheme, err := transport.Scheme(addr)
	if err != nil {
		return nil, fmt.Errorf("-admin: %w", err)
	}
	var topts transport.Options
	switch {
	case tc.Enabled():
		mat, err := tc.Load()
		if err != nil {
			return nil, fmt.Errorf("%s", strings.NewReplacer("tls.cert_file", "-tls-cert", "tls.key_file", "-tls-key",
				"tls.ca_file", "-tls-ca").Replace(err.Error()))
		}
		topts.DialTLS = mat.Client()
	case scheme == "tls+tcp" || scheme == "wss":
		return nil, fmt.Errorf("-admin %s: %s needs -tls-ca (and -tls-cert, -tls-key for a control plane that verifies its clients)", addr, scheme)
	}
	// One attempt: a create that timed out may have happened, and sending
	// it again would make a second instance.
	c, err := reqrep.NewClient(reqrep.ClientConfig{
		Name: "cpctl", Timeout: timeout, Retry: retry.Policy{MaxRetries: retry.Disabled}, Transport: topts,
	})
	if err != nil {
		return nil, err
	}
	if err := c.AddPeer(peer, addr); err != nil {
		c.Close()
		return nil, fmt.Errorf("-admin: %w", err)
	}
	return &adminClient{c: c, timeout: timeout}, nil
}

func (a *adminClient) close() { a.c.Close() }

// call sends in (nil: no payload) to endpoint and decodes the reply into out.
func (a *adminClient) call(endpoint string, in, out any) error {
	var data json.RawMessage
	if in != nil {
		var err error
		if data, err = json.Marshal(in); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.timeout)
	defer cancel()
	resp, err := a.c.Call(ctx, peer, endpoint, data)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.Data, out); err != nil {
		return fmt.Errorf("%s: unexpected reply %.200s: %w", endpoint, resp.Data, err)
	}
	return nil
}
