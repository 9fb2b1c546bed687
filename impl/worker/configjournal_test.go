package worker_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/logging"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/worker"
)

func TestReadConfigJournal(t *testing.T) {
	at := func(ns int64) time.Time { return time.Unix(0, ns).UTC() }
	for _, tc := range []struct {
		name    string
		content *string // nil: no file
		want    []worker.ConfigBoot
		wantErr string // a part of the error; "" for none
	}{
		{"missing file", nil, nil, ""},
		{"empty file", ptr(""), nil, ""},
		{"two boots", ptr("boot a 100\nr 1 1 110 broadcast 1\nr 2 3 120 broadcast 0\nr 3 4 130 snapshot 1\nboot b 200\nboot c 300\nr 1 5 310 snapshot 1\n"),
			[]worker.ConfigBoot{
				{ID: "a", At: at(100), Receipts: []api.ConfigReceipt{
					{N: 1, Version: 1, At: at(110), Via: api.ConfigViaBroadcast, Applied: true},
					{N: 2, Version: 3, At: at(120), Via: api.ConfigViaBroadcast},
					{N: 3, Version: 4, At: at(130), Via: api.ConfigViaSnapshot, Applied: true},
				}},
				{ID: "b", At: at(200)},
				{ID: "c", At: at(300), Receipts: []api.ConfigReceipt{{N: 1, Version: 5, At: at(310), Via: api.ConfigViaSnapshot, Applied: true}}},
			}, ""},
		// A kill -9 in the middle of a write.
		{"torn receipt ignored", ptr("boot a 100\nr 1 1 110 broadcast 1\nr 2 2 12"),
			[]worker.ConfigBoot{{ID: "a", At: at(100), Receipts: []api.ConfigReceipt{{N: 1, Version: 1, At: at(110), Via: api.ConfigViaBroadcast, Applied: true}}}}, ""},
		{"torn boot line ignored", ptr("boot a 100\nbo"), []worker.ConfigBoot{{ID: "a", At: at(100)}}, ""},
		{"a whole-looking last line without newline is torn", ptr("boot a 100\nr 1 1 110 broadcast 1"), []worker.ConfigBoot{{ID: "a", At: at(100)}}, ""},
		{"torn line in the middle", ptr("boot a 100\nr 1 1 1boot b 200\n"), nil, ":2: receipt \"r 1 1 1boot b 200\": time:"},
		{"receipt before boot", ptr("r 1 1 110 broadcast 1\n"), nil, ":1: receipt \"r 1 1 110 broadcast 1\" before any boot line"},
		{"empty line", ptr("boot a 100\n\n"), nil, ":2: malformed line"},
		{"bad via", ptr("boot a 100\nr 1 1 110 multicast 1\n"), nil, ":2: receipt \"r 1 1 110 multicast 1\": via: want broadcast or snapshot"},
		{"bad applied", ptr("boot a 100\nr 1 1 110 broadcast yes\n"), nil, ":2: receipt \"r 1 1 110 broadcast yes\": applied: want 0 or 1"},
		{"n from 1", ptr("boot a 100\nr 0 1 110 broadcast 1\n"), nil, ":2: receipt \"r 0 1 110 broadcast 1\": n: want a number from 1"},
		{"bad version", ptr("boot a 100\nr 1 -1 110 broadcast 1\n"), nil, ":2: receipt \"r 1 -1 110 broadcast 1\": version:"},
		{"bad boot time", ptr("boot a x\n"), nil, ":1: boot line \"boot a x\": time:"},
		{"extra field", ptr("boot a 100\nr 1 1 110 broadcast 1 extra\n"), nil, ":2: malformed line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "w.config-journal")
			if tc.content != nil {
				must(t, os.WriteFile(path, []byte(*tc.content), 0o600))
			}
			got, err := worker.ReadConfigJournal(path)
			if tc.wantErr != "" {
				if !errors.Is(err, worker.ErrConfigJournal) || !strings.Contains(err.Error(), path+tc.wantErr) {
					t.Fatalf("error %v, want ErrConfigJournal with %q", err, path+tc.wantErr)
				}
				return
			}
			must(t, err)
			checkBoots(t, got, tc.want)
		})
	}
}

// checkBoots compares boots exactly, times with Equal.
func checkBoots(t *testing.T, got, want []worker.ConfigBoot) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d boots %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.ID != w.ID || !g.At.Equal(w.At) || len(g.Receipts) != len(w.Receipts) {
			t.Fatalf("boot %d: %+v, want %+v", i, g, w)
		}
		for j := range g.Receipts {
			gr, wr := g.Receipts[j], w.Receipts[j]
			if !gr.At.Equal(wr.At) {
				t.Errorf("boot %d receipt %d at %v, want %v", i, j, gr.At, wr.At)
			}
			gr.At, wr.At = time.Time{}, time.Time{}
			if gr != wr {
				t.Errorf("boot %d receipt %d: %+v, want %+v", i, j, gr, wr)
			}
		}
	}
}

// Two process instances of a worker on one config journal: each adds its
// boot line and its receipts, which are those its history serves; a line
// torn by a crash between them is cut off.
func TestConfigJournal(t *testing.T) {
	cp := newFakeCP(t)
	cp.interval = 3600 // no heartbeat: broadcasts and the fetch they cause alone
	cfg := cp.workerConfig("worker-1")
	cfg.ConfigJournalFile = filepath.Join(t.TempDir(), "worker-1.config-journal")
	// Each run publishes, then reads the history from the API before Close.
	runs := []struct {
		name           string
		snapshot, then api.ConfigSnapshot // the control plane's at registration, then once registered
		publish        []api.ConfigSnapshot
		want           []api.ConfigReceipt // N and At aside
	}{
		{"first", snap(0), snap(2), []api.ConfigSnapshot{snap(1), snap(2), snap(1)}, []api.ConfigReceipt{
			{Version: 1, Via: api.ConfigViaBroadcast, Applied: true},
			{Version: 2, Via: api.ConfigViaBroadcast, Applied: true},
			{Version: 1, Via: api.ConfigViaBroadcast},
		}},
		// Registering finds version 3, the broadcast of 5 a gap that 6 closes.
		{"restarted", snap(3), snap(6), []api.ConfigSnapshot{snap(5)}, []api.ConfigReceipt{
			{Version: 3, Via: api.ConfigViaSnapshot, Applied: true},
			{Version: 5, Via: api.ConfigViaBroadcast},
			{Version: 6, Via: api.ConfigViaSnapshot, Applied: true},
		}},
	}
	var want []worker.ConfigBoot
	for i, run := range runs {
		cp.setSnapshot(run.snapshot)
		w, err := worker.New(cfg, worker.Options{})
		must(t, err)
		must(t, w.Start(t.Context()))
		cli := commandClient(t, w)
		cp.connected(1)
		// A broadcast applied before the registration reply would be undone by it.
		testkit.Eventually(t, wait, func() bool { return w.Stats().Registered && len(history(t, cli).Entries) == i },
			"%s: registered, with %d snapshot", run.name, i)
		cp.setSnapshot(run.then)
		for j, s := range run.publish {
			cp.publish(s)
			testkit.Eventually(t, wait, func() bool { return w.Stats().ConfigBroadcasts == uint64(j+1) }, "%s: broadcast %d", run.name, j)
		}
		h := history(t, cli)
		if len(h.Entries) != len(run.want) || h.Boot == "" || (i > 0 && h.Boot == want[i-1].ID) {
			t.Fatalf("%s: history %+v, want %d receipts under a new boot", run.name, h, len(run.want))
		}
		for j, r := range h.Entries {
			if r.N != uint64(j+1) {
				t.Errorf("%s: receipt %d numbered %d", run.name, j, r.N)
			}
			if r.N, r.At = 0, (time.Time{}); r != run.want[j] {
				t.Errorf("%s: receipt %d %+v, want %+v", run.name, j, r, run.want[j])
			}
		}
		want = append(want, worker.ConfigBoot{ID: h.Boot, Receipts: h.Entries})
		cp.connected(1) // see TestStartAndClose: let the dials settle before closing
		must(t, w.Close())
		if st := w.Stats(); st.ConfigJournalFailures != 0 {
			t.Errorf("%s: %d journal failures", run.name, st.ConfigJournalFailures)
		}
		if i == 0 { // as a kill -9 in the middle of a receipt's write would
			appendFile(t, cfg.ConfigJournalFile, "r 4 7 17")
		}
	}
	got, err := worker.ReadConfigJournal(cfg.ConfigJournalFile)
	must(t, err)
	for i := range got { // the boot times are checked for order only
		if i > 0 && !got[i].At.After(got[i-1].At) {
			t.Errorf("boot %d at %v, not after %v", i, got[i].At, got[i-1].At)
		}
		if i < len(want) {
			want[i].At = got[i].At
		}
	}
	checkBoots(t, got, want)
}

// history is the worker's first page of config receipts.
func history(t *testing.T, cli *reqrep.Client) api.ConfigHistory {
	t.Helper()
	var h api.ConfigHistory
	must(t, call(t, cli, api.ConfigHistoryGet, nil, &h))
	return h
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = f.WriteString(s)
	must(t, errors.Join(err, f.Close()))
}

// syncLog is a log the worker writes and the test reads at once.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A config journal that cannot be written (a full disk) costs the worker
// its record, not its config: every failure is logged and counted.
func TestConfigJournalWriteFailure(t *testing.T) {
	const full = "/dev/full" // every write fails with ENOSPC
	if _, err := os.Stat(full); err != nil {
		t.Skipf("needs %s to make writes fail: %v", full, err)
	}
	cp := newFakeCP(t)
	cp.interval = 3600
	cfg := cp.workerConfig("worker-1")
	cfg.ConfigJournalFile = full
	var logs syncLog
	w, err := worker.New(cfg, worker.Options{Logger: logging.New(&logs, nil)})
	must(t, err)
	t.Cleanup(func() { _ = w.Close() })
	must(t, w.Start(t.Context()))
	cli := commandClient(t, w)
	cp.connected(1)
	// A broadcast applied before the registration reply would be undone by it.
	testkit.Eventually(t, wait, func() bool { return w.Stats().Registered }, "never registered")
	cp.publish(snap(1, "k", "v"))
	waitConfig(t, cli, snap(1, "k", "v"))
	if h := history(t, cli); len(h.Entries) != 1 || !h.Entries[0].Applied {
		t.Errorf("history %+v, want the receipt of version 1", h)
	}
	if n := w.Stats().ConfigJournalFailures; n != 2 {
		t.Errorf("%d journal failures, want 2 (boot line and receipt)", n)
	}
	for _, want := range []string{
		`WARNING worker: could not journal the boot line error="worker: config journal: write /dev/full: no space left on device"`,
		`WARNING worker: could not journal the receipt of config version 1 error="worker: config journal: `,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}
