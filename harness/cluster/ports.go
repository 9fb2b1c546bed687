package cluster

import (
	"fmt"
	"net"
)

// freePort returns a loopback host:port that was free a moment ago: it
// listens on 127.0.0.1:0 and closes. Another program may take the port
// before ours binds it (a small race, accepted here because a worker's
// advertised command address must be known before the worker starts);
// Start fails clearly if it happens.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("cluster: free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("cluster: free port: %w", err)
	}
	return addr, nil
}
