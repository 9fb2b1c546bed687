package check

import (
	"fmt"

	"github.com/nngbench/nngbench/harness/result"
)

// Messages checks one workload's delivery from the stamps its receivers
// saw: it fails when a message was lost or arrived twice. Reordering is
// counted, not failed: only pair and one-to-one links promise order.
func Messages(w result.Workload) result.Check {
	c := result.Check{
		Name: "messages/" + w.Name,
		OK:   w.Lost == 0 && w.Duplicated == 0,
		Counts: map[string]int64{
			"sent": w.Sent, "received": w.Received, "lost": w.Lost, "duplicated": w.Duplicated,
			"reordered": w.Reordered, "timeouts": w.Timeouts, "errors": w.Errors,
		},
	}
	if !c.OK {
		c.Detail = fmt.Sprintf("%d lost, %d duplicated of %d sent", w.Lost, w.Duplicated, w.Sent)
	}
	return c
}
