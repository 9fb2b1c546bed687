package worker

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// ErrJournal is wrapped by errors reading or writing tasks.journal_file.
var ErrJournal = errors.New("worker: journal")

// journal is the append-only file of executed task ids, one "<id>\n" per
// task, written once the task's result is on the wire. Counting its lines
// across restarts counts executions; see deliver for why the order
// matters.
type journal struct {
	mu sync.Mutex
	f  *os.File
}

// openJournal returns the last limit ids of the journal at path, after
// cutting off a torn last line (a crash in the middle of a write), and
// opens it for appending.
func openJournal(path string, limit int) ([]string, *journal, error) {
	ids, err := readJournal(path, limit)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrJournal, err)
	}
	return ids, &journal{f: f}, nil
}

func readJournal(path string, limit int) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJournal, err)
	}
	defer f.Close()
	var ids []string
	var whole int64 // bytes up to the end of the last complete line
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadString('\n')
		if errors.Is(err, io.EOF) {
			if line != "" {
				// A partial id must not run into the next line appended.
				if err := os.Truncate(path, whole); err != nil {
					return nil, fmt.Errorf("%w: cut a torn line: %w", ErrJournal, err)
				}
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrJournal, err)
		}
		whole += int64(len(line))
		if id := strings.TrimSpace(line); id != "" {
			ids = append(ids, id)
		}
		if len(ids) >= 2*limit {
			ids = append(ids[:0:0], ids[len(ids)-limit:]...)
		}
	}
	if len(ids) > limit {
		ids = ids[len(ids)-limit:]
	}
	return ids, nil
}

// append writes one line per id in a single write, so a crash leaves whole
// lines of one batch or a torn last line, which the next start cuts off.
func (j *journal) append(ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(id)
		b.WriteByte('\n')
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.WriteString(b.String()); err != nil {
		return fmt.Errorf("%w: %w", ErrJournal, err)
	}
	return nil
}

// Close closes the file.
func (j *journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.f.Close(); err != nil {
		return fmt.Errorf("%w: %w", ErrJournal, err)
	}
	return nil
}
