package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/envelope"
)

// historyLimit is how many config receipts a worker keeps, and historyPage
// the most one api.ConfigHistory reply carries (about 100 bytes each).
const (
	historyLimit = 16384
	historyPage  = 1024
)

// configHistory is a bounded record of the config versions the worker
// received and when: how long a broadcast took to reach it, which versions
// it missed, what a snapshot caught up on. The oldest receipts go first.
type configHistory struct {
	mu    sync.Mutex
	ring  []api.ConfigReceipt // ring[(n-1) % limit] holds receipt n
	limit int
	last  uint64 // receipts so far
}

func newConfigHistory(limit int) *configHistory {
	return &configHistory{limit: limit}
}

// add records a receipt of version, read at at.
func (h *configHistory) add(version uint64, at time.Time, via string, applied bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last++
	r := api.ConfigReceipt{N: h.last, Version: version, At: at.UTC(), Via: via, Applied: applied}
	if len(h.ring) < h.limit {
		h.ring = append(h.ring, r)
		return
	}
	h.ring[(h.last-1)%uint64(h.limit)] = r
}

// page returns up to limit receipts numbered above after, oldest first.
func (h *configHistory) page(after uint64, limit int) api.ConfigHistory {
	h.mu.Lock()
	defer h.mu.Unlock()
	first := h.last - uint64(len(h.ring)) + 1 // the oldest kept
	out := api.ConfigHistory{First: first, Last: h.last, Entries: []api.ConfigReceipt{}}
	if len(h.ring) == 0 {
		out.First = 0
		return out
	}
	for n := max(after+1, first); n <= h.last && len(out.Entries) < limit; n++ {
		out.Entries = append(out.Entries, h.ring[(n-1)%uint64(h.limit)])
	}
	return out
}

// handleConfigHistory serves api.ConfigHistoryGet; no data asks from the start.
func (w *Worker) handleConfigHistory(_ context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	var q api.ConfigHistoryQuery
	if len(req.Data) > 0 && string(req.Data) != "null" {
		if err := json.Unmarshal(req.Data, &q); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
		}
	}
	if q.Limit < 0 {
		return nil, fmt.Errorf("%w: limit: must be >= 0", ErrBadRequest)
	}
	limit := historyPage
	if q.Limit > 0 {
		limit = min(q.Limit, historyPage)
	}
	return envelope.DataOf(w.history.page(q.After, limit))
}
