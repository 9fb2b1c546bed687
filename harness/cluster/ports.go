package cluster

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// Ports below the kernel's ephemeral range, from which freePort picks.
const (
	lowestPort       = 10000
	defaultEphemeral = 32768 // Linux's default start of ip_local_port_range
	portTries        = 100
)

// freePort returns a loopback host:port that was free a moment ago, for a
// program that binds it later (a worker's command port must be known before
// the worker starts, and a control plane keeps its ports across restarts).
// It is taken below the kernel's ephemeral range: a port picked with
// 127.0.0.1:0 comes from that range, where the next outgoing connection or
// proxy listening on port 0 could take it before the program binds it
// (seen as a worker exiting at start under load). Only another program
// choosing fixed ports the same way can collide now.
func freePort() (string, error) {
	hi := ephemeralStart()
	for range portTries {
		port := lowestPort + rand.IntN(hi-lowestPort) //nolint:gosec // spreads test ports; nothing to guess
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue // taken: try another
		}
		if err := ln.Close(); err != nil {
			return "", fmt.Errorf("cluster: free port: %w", err)
		}
		return addr, nil
	}
	return "", fmt.Errorf("cluster: free port: none free of %d tried in [%d, %d)", portTries, lowestPort, hi)
}

// ephemeralStart is the first port of the kernel's ephemeral range, or
// Linux's default where it cannot be read.
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return defaultEphemeral
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return defaultEphemeral
	}
	lo, err := strconv.Atoi(f[0])
	if err != nil || lo <= lowestPort+1000 {
		return defaultEphemeral
	}
	return lo
}
