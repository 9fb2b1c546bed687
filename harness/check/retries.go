package check

import (
	"fmt"

	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/impl/metrics"
)

// Retries checks the control plane's own requests to the workers (its REQ
// sockets) over a run, from its counters before and after: requests sent,
// retries among them (the amplification faults cause), replies that timed
// out, and requests an open circuit breaker refused (a socket whose
// counters went down belongs to a control plane that restarted: its counts
// since the restart are taken). It fails when there
// are more retries than maxRetries for each first attempt: a client that
// retries past its policy multiplies the load a failing worker gets.
func Retries(before, after metrics.Snapshot, maxRetries int) result.Check {
	var sent, retries, timeouts, refused int64
	for _, s := range after.Sockets {
		if s.Pattern != "req" {
			continue
		}
		b, _ := before.Socket(s.Name)
		if s.Sent < b.Sent || s.Retries < b.Retries {
			b = metrics.SocketStats{} // restarted: everything counted is new
		}
		sent += int64(s.Sent) - int64(b.Sent)
		retries += int64(s.Retries) - int64(b.Retries)
		timeouts += int64(s.Errors[metrics.KindTimeout.String()]) - int64(b.Errors[metrics.KindTimeout.String()])
		refused += int64(s.Errors[metrics.KindBreakerOpen.String()]) - int64(b.Errors[metrics.KindBreakerOpen.String()])
	}
	first := sent - retries
	c := result.Check{
		Name: "retries",
		OK:   retries <= int64(maxRetries)*first,
		Counts: map[string]int64{
			"requests": first, "retries": retries, "timeouts": timeouts, "breaker_refused": refused,
		},
	}
	if first > 0 {
		c.Counts["amplification_pct"] = 100 * sent / first
	}
	if !c.OK {
		c.Detail = fmt.Sprintf("%d retries for %d requests: more than the policy's %d each", retries, first, maxRetries)
	}
	return c
}
