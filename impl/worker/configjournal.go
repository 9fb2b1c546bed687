package worker

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

// ErrConfigJournal is wrapped by errors opening, writing or reading
// config_journal_file.
var ErrConfigJournal = errors.New("worker: config journal")

// The config journal (config_journal_file) is the record of the config
// receipts that outlives the process, where the in-memory history (served
// at api.ConfigHistoryGet) starts again empty, numbered from 1, after a
// restart. It is appended to, one line per event:
//
//	boot <boot-id> <unix-ns>
//	r <n> <version> <unix-ns> <via> <applied>
//
// A boot line opens each process instance's part: boot-id is the
// instance's api.ConfigHistory.Boot, unix-ns when it started (nanoseconds
// since the epoch). Then a line per receipt, as api.ConfigReceipt: n
// numbers them from 1 in each part, version is the config version, unix-ns
// when it was received, via is broadcast or snapshot, applied is 1 when the
// version became the worker's config and 0 otherwise. Each line is one
// write, so a kill -9 loses at most the line being written and leaves it
// torn, without its newline, at the end; the next start cuts it off before
// its boot line. A failed write leaves a gap in n.

// configJournal appends to the config journal. It is not safe for
// concurrent use: configHistory's mutex orders its writes, so that the
// lines are in the order of n.
type configJournal struct {
	f    *os.File
	size int64 // bytes of whole lines written; a partial write is cut back to it
}

// openConfigJournal opens the journal at path for appending, creating it,
// after cutting off a torn last line.
func openConfigJournal(path string) (*configJournal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfigJournal, err)
	}
	size, err := cutTornLine(f)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%w: %s: %w", ErrConfigJournal, path, err), f.Close())
	}
	return &configJournal{f: f, size: size}, nil
}

// cutTornLine truncates a regular file after its last newline and returns
// its size then. Lines are short, so the torn part is found in the last
// block or two.
func cutTornLine(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0, err // a device or a pipe (a test's /dev/full) has no torn line to cut
	}
	const block = 4096
	buf := make([]byte, block)
	end := fi.Size()
	for off := end; off > 0; {
		n := min(off, block)
		off -= n
		if _, err := f.ReadAt(buf[:n], off); err != nil {
			return 0, fmt.Errorf("read the last line: %w", err)
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return cutAt(f, end, off+int64(i)+1)
		}
	}
	return cutAt(f, end, 0)
}

func cutAt(f *os.File, size, at int64) (int64, error) {
	if at == size {
		return size, nil
	}
	if err := f.Truncate(at); err != nil {
		return 0, fmt.Errorf("cut a torn line: %w", err)
	}
	return at, nil
}

// bootLine is the journal's line for a process instance started at at.
func bootLine(id string, at time.Time) []byte {
	return fmt.Appendf(nil, "boot %s %d\n", id, at.UnixNano())
}

// receiptLine is the journal's line for r.
func receiptLine(r api.ConfigReceipt) []byte {
	applied := 0
	if r.Applied {
		applied = 1
	}
	return fmt.Appendf(nil, "r %d %d %d %s %d\n", r.N, r.Version, r.At.UnixNano(), r.Via, applied)
}

// write appends line in one write. A partial write (a full disk) is cut
// back, so that the next line does not run into it.
func (j *configJournal) write(line []byte) error {
	n, err := j.f.Write(line)
	if err != nil {
		if n > 0 {
			err = errors.Join(err, j.f.Truncate(j.size))
		}
		return fmt.Errorf("%w: %w", ErrConfigJournal, err)
	}
	j.size += int64(n)
	return nil
}

// Close closes the file.
func (j *configJournal) Close() error {
	if err := j.f.Close(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfigJournal, err)
	}
	return nil
}

// ConfigBoot is one worker process instance's part of a config journal.
type ConfigBoot struct {
	ID       string              // the instance's api.ConfigHistory.Boot
	At       time.Time           // when it started, UTC
	Receipts []api.ConfigReceipt // in the order received
}

// ReadConfigJournal reads the config journal at path (see
// Config.ConfigJournalFile): one ConfigBoot per start, oldest first. A
// missing file has none. A torn last line (no newline: a kill -9 in the
// middle of its write) is ignored; any other line that does not parse is
// an error naming path and line, wrapping ErrConfigJournal.
func ReadConfigJournal(path string) ([]ConfigBoot, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfigJournal, err)
	}
	defer f.Close()
	var boots []ConfigBoot
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadString('\n')
		if errors.Is(err, io.EOF) {
			return boots, nil // line, if any, is torn
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrConfigJournal, path, err)
		}
		if boots, err = parseConfigLine(boots, strings.TrimSuffix(line, "\n")); err != nil {
			return nil, fmt.Errorf("%w: %s:%d: %w", ErrConfigJournal, path, n, err)
		}
	}
}

// parseConfigLine adds line to boots.
func parseConfigLine(boots []ConfigBoot, line string) ([]ConfigBoot, error) {
	f := strings.Split(line, " ")
	switch {
	case f[0] == "boot" && len(f) == 3 && f[1] != "":
		ns, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("boot line %q: time: %w", line, err)
		}
		return append(boots, ConfigBoot{ID: f[1], At: time.Unix(0, ns).UTC()}), nil
	case f[0] == "r" && len(f) == 6:
		if len(boots) == 0 {
			return nil, fmt.Errorf("receipt %q before any boot line", line)
		}
		r, err := parseReceipt(f[1:])
		if err != nil {
			return nil, fmt.Errorf("receipt %q: %w", line, err)
		}
		b := &boots[len(boots)-1]
		b.Receipts = append(b.Receipts, r)
		return boots, nil
	}
	return nil, fmt.Errorf("malformed line %q: want \"boot <id> <unix-ns>\" or \"r <n> <version> <unix-ns> <via> <applied>\"", line)
}

// parseReceipt parses n, version, unix-ns, via and applied.
func parseReceipt(f []string) (api.ConfigReceipt, error) {
	var r api.ConfigReceipt
	var err error
	if r.N, err = strconv.ParseUint(f[0], 10, 64); err != nil || r.N == 0 {
		return r, fmt.Errorf("n: want a number from 1, got %q", f[0])
	}
	if r.Version, err = strconv.ParseUint(f[1], 10, 64); err != nil {
		return r, fmt.Errorf("version: %w", err)
	}
	ns, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return r, fmt.Errorf("time: %w", err)
	}
	r.At = time.Unix(0, ns).UTC()
	if r.Via = f[3]; r.Via != api.ConfigViaBroadcast && r.Via != api.ConfigViaSnapshot {
		return r, fmt.Errorf("via: want %s or %s, got %q", api.ConfigViaBroadcast, api.ConfigViaSnapshot, r.Via)
	}
	switch f[4] {
	case "1":
		r.Applied = true
	case "0":
	default:
		return r, fmt.Errorf("applied: want 0 or 1, got %q", f[4])
	}
	return r, nil
}
