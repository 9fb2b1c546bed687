package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/retry"
	"github.com/nngbench/nngbench/impl/transport"
)

// adminClient calls the control plane's admin API.
type adminClient struct {
	c       *reqrep.Client
	timeout time.Duration
}

const peer = "controlplane"

func dial(addr string, timeout time.Duration) (*adminClient, error) {
	if _, err := transport.Scheme(addr); err != nil {
		return nil, fmt.Errorf("-admin: %w", err)
	}
	// One attempt: a create that timed out may have happened, and sending
	// it again would make a second instance.
	c, err := reqrep.NewClient(reqrep.ClientConfig{
		Name: "cpctl", Timeout: timeout, Retry: retry.Policy{MaxRetries: retry.Disabled},
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
