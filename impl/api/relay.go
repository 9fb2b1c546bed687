package api

import "encoding/json"

// AdminRelay carries a command through the control plane to a worker:
// client -> control plane -> worker -> control plane -> client, with the
// control plane's retrying, breaker-guarded client on the middle hop.
// Relay -> RelayReply; the worker's error reply comes back as an error
// reply naming the node.
const AdminRelay = "/admin/relay"

// RelayEndpoints are the worker endpoints the relay carries: those that
// change nothing. Instances are created and deleted through the control
// plane's own AdminCreateInstance and AdminDeleteInstance, which place
// them.
var RelayEndpoints = []string{Health, ConfigGet, ConfigHistoryGet, InstancesList}

// Relay is a command for one worker.
type Relay struct {
	// Node names the worker; "" lets the control plane pick an online one
	// (round robin, passing over nodes whose breaker is open).
	Node     string          `json:"node_id,omitempty"`
	Endpoint string          `json:"endpoint"` // one of RelayEndpoints
	Data     json.RawMessage `json:"data,omitempty"`
}

// RelayReply is the worker's reply, and which worker gave it.
type RelayReply struct {
	Node string          `json:"node_id"`
	Data json.RawMessage `json:"data"`
}
