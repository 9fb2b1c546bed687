package cluster

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Ports below the kernel's ephemeral range, from which freePort picks.
const (
	lowestPort       = 10000
	defaultEphemeral = 32768 // Linux's default start of ip_local_port_range
	portTries        = 100
)

// freePort returns a loopback host:port that was free a moment ago, for a
// program that binds it later (a worker's command port must be known before
// the worker starts, and a control plane keeps its ports across restarts),
// and for the proxies' listeners.
// It is taken below the kernel's ephemeral range: a port picked with
// 127.0.0.1:0 comes from that range, where the next outgoing connection or
// proxy listening on port 0 could take it before the program binds it
// (seen as a worker exiting at start under load), and where a thousand
// workers' proxies would crowd out their own connections. Ports are handed
// out in turn from a random start, so that this process never hands out
// the same port twice until it has gone round the whole range: workers
// started in parallel cannot be given one port. Only another program
// choosing fixed ports the same way can collide now.
func freePort() (string, error) {
	hi := ephemeralStart()
	for range portTries {
		port := nextPort(hi)
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

// portCursor is the next port freePort considers, shared by every cluster
// of this process.
var portCursor struct {
	sync.Mutex
	next int
}

func nextPort(hi int) int {
	portCursor.Lock()
	defer portCursor.Unlock()
	if portCursor.next < lowestPort || portCursor.next >= hi {
		portCursor.next = lowestPort + rand.IntN(hi-lowestPort) //nolint:gosec // spreads test ports; nothing to guess
	}
	p := portCursor.next
	portCursor.next++
	return p
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
