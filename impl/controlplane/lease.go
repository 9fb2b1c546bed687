package controlplane

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// A lease token names one lease of one task and proves that the control
// plane issued it: the lease number (unique across restarts: the boot
// epoch in its top bits) and a tag, AES-128 of the lease number and a hash
// of the task id under a key only the control plane holds (a block cipher
// on one fixed-size block is a MAC). It travels in api.Task.Lease to the
// one worker that pulls the batch and comes back in its result, so a
// result whose token does not verify was not written by a lease holder.
// Verifying needs no state, so a result for a task no longer pending is
// still told apart: a genuine duplicate, or a forgery.

// tokenLen is the length of a token: 16 hex digits of lease number, 16 of
// tag.
const tokenLen = 32

// leaseFieldBytes is what the token adds to a task in a batch:
// `,"lease":"` + token + `"`.
const leaseFieldBytes = len(`,"lease":""`) + tokenLen

// epochShift puts the boot epoch above the lease counter: 2^40 leases per
// boot, 2^24 boots.
const epochShift = 40

// tokenKeySize is the AES-128 key size.
const tokenKeySize = 16

type leaseMAC struct{ block cipher.Block }

func newLeaseMAC(key []byte) (leaseMAC, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return leaseMAC{}, fmt.Errorf("controlplane: lease key: %w", err)
	}
	return leaseMAC{block: b}, nil
}

func (m leaseMAC) tag(no uint64, taskID string) [8]byte {
	var in, out [16]byte
	binary.BigEndian.PutUint64(in[:8], no)
	binary.BigEndian.PutUint64(in[8:], fnv64a(taskID))
	m.block.Encrypt(out[:], in[:])
	return [8]byte(out[:8])
}

// token is lease no's token for taskID.
func (m leaseMAC) token(no uint64, taskID string) string {
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], no)
	t := m.tag(no, taskID)
	copy(raw[8:], t[:])
	return hex.EncodeToString(raw[:])
}

// verify returns the lease number of a token issued for taskID; ok is
// false for anything else.
func (m leaseMAC) verify(taskID, token string) (no uint64, ok bool) {
	if len(token) != tokenLen {
		return 0, false
	}
	var raw [16]byte
	if _, err := hex.Decode(raw[:], []byte(token)); err != nil {
		return 0, false
	}
	no = binary.BigEndian.Uint64(raw[:8])
	want := m.tag(no, taskID)
	if subtle.ConstantTimeCompare(want[:], raw[8:]) != 1 {
		return 0, false
	}
	return no, true
}

// fnv64a is FNV-1a of s, without hash.Hash's allocation.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
