package worker

import (
	"testing"
	"time"
)

// The history forgets its oldest receipts once full, and says from where it
// still knows them.
func TestConfigHistoryBound(t *testing.T) {
	h := newConfigHistory(3, "boot-1", nil)
	if p := h.page(0, 10); p.First != 0 || p.Last != 0 || len(p.Entries) != 0 {
		t.Fatalf("empty history: %+v", p)
	}
	at := time.Unix(1000, 0)
	for v := uint64(1); v <= 5; v++ {
		if err := h.add(v*10, at.Add(time.Duration(v)), "broadcast", true); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name         string
		after        uint64
		limit        int
		wantVersions []uint64
	}{
		{"from the start: the three kept", 0, 10, []uint64{30, 40, 50}},
		{"after one kept", 3, 10, []uint64{40, 50}},
		{"limited", 0, 2, []uint64{30, 40}},
		{"past the end", 5, 10, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := h.page(tc.after, tc.limit)
			if p.First != 3 || p.Last != 5 || p.Boot != "boot-1" {
				t.Errorf("first %d last %d boot %q, want 3, 5 and boot-1", p.First, p.Last, p.Boot)
			}
			var got []uint64
			for _, r := range p.Entries {
				got = append(got, r.Version)
				if r.Version != r.N*10 {
					t.Errorf("receipt %d holds version %d", r.N, r.Version)
				}
			}
			if len(got) != len(tc.wantVersions) {
				t.Fatalf("versions %v, want %v", got, tc.wantVersions)
			}
			for i := range got {
				if got[i] != tc.wantVersions[i] {
					t.Fatalf("versions %v, want %v", got, tc.wantVersions)
				}
			}
		})
	}
}
