package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
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
// With a config journal every receipt is also written there, under mu, so
// that the file has them in the order of N.
type configHistory struct {
	mu      sync.Mutex
	ring    []api.ConfigReceipt // ring[(n-1) % limit] holds receipt n
	limit   int
	last    uint64         // receipts so far
	boot    string         // the process instance numbering them
	journal *configJournal // nil without config_journal_file
}

func newConfigHistory(limit int, boot string, j *configJournal) *configHistory {
	return &configHistory{limit: limit, boot: boot, journal: j}
}

// started writes the boot line of this process instance, started at at.
func (h *configHistory) started(at time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.journal == nil {
		return nil
	}
	return h.journal.write(bootLine(h.boot, at))
}

// add records a receipt of version, read at at. The receipt is kept even
// when the journal write fails, which is returned.
func (h *configHistory) add(version uint64, at time.Time, via string, applied bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last++
	r := api.ConfigReceipt{N: h.last, Version: version, At: at.UTC(), Via: via, Applied: applied}
	if len(h.ring) < h.limit {
		h.ring = append(h.ring, r)
	} else {
		h.ring[(h.last-1)%uint64(h.limit)] = r
	}
	if h.journal == nil {
		return nil
	}
	return h.journal.write(receiptLine(r))
}

// Close closes the journal, if any.
func (h *configHistory) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.journal == nil {
		return nil
	}
	return h.journal.Close()
}

// page returns up to limit receipts numbered above after, oldest first.
func (h *configHistory) page(after uint64, limit int) api.ConfigHistory {
	h.mu.Lock()
	defer h.mu.Unlock()
	first := h.last - uint64(len(h.ring)) + 1 // the oldest kept
	out := api.ConfigHistory{First: first, Last: h.last, Entries: []api.ConfigReceipt{}, Boot: h.boot}
	if len(h.ring) == 0 {
		out.First = 0
		return out
	}
	for n := max(after+1, first); n <= h.last && len(out.Entries) < limit; n++ {
		out.Entries = append(out.Entries, h.ring[(n-1)%uint64(h.limit)])
	}
	return out
}

// recordConfig records a config receipt. A journal write that fails is
// logged and counted: the worker goes on, the receipt is in the history.
func (w *Worker) recordConfig(version uint64, at time.Time, via string, applied bool) {
	if err := w.history.add(version, at, via, applied); err != nil {
		w.configJournalFailed("receipt of config version "+strconv.FormatUint(version, 10), err)
	}
}

// configJournalFailed logs and counts a config journal line not written.
func (w *Worker) configJournalFailed(what string, err error) {
	w.counters.configJournalFailures.Add(1)
	w.log.Warn("could not journal the "+what, "error", err)
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
