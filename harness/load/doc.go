// Package load drives raw-mode workloads over bare mangos sockets on loopback tcp: it paces sends
// open loop (or closed loop), stamps every message, and turns the stamps into latency and loss.
package load
