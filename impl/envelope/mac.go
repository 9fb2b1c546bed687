package envelope

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"sync"
)

// MinSecret is the shortest shared secret NewKey takes, in bytes.
const MinSecret = 16

// Errors of Key.
var (
	// ErrShortSecret is returned by NewKey for a secret under MinSecret bytes.
	ErrShortSecret = errors.New("envelope: secret too short")
	// ErrUnauthenticated is wrapped by Verify when an envelope has no MAC
	// or a MAC the key did not make.
	ErrUnauthenticated = errors.New("envelope: not authenticated")
)

// Key signs and verifies envelopes with HMAC-SHA256 under a secret that
// the senders and receivers share. The MAC covers every field but itself,
// each length-prefixed, so no field's bytes can be moved into another's;
// it says who made the envelope (a holder of the secret), not that it is
// fresh: receivers still order by sequence or version. Sign what goes out
// as it is: the encoder writes bytes that are not UTF-8 as U+FFFD, and an
// envelope so changed no longer verifies. Safe for concurrent use.
type Key struct {
	pool sync.Pool // of hash.Hash keyed with the secret
}

// NewKey returns a key for secret (at least MinSecret bytes).
func NewKey(secret []byte) (*Key, error) {
	if len(secret) < MinSecret {
		return nil, fmt.Errorf("%w: %d bytes, want at least %d", ErrShortSecret, len(secret), MinSecret)
	}
	s := append([]byte(nil), secret...)
	k := &Key{}
	k.pool.New = func() any { return &macState{h: hmac.New(sha256.New, s)} }
	return k, nil
}

// macLen is the length of the MAC on the wire: 32 bytes in unpadded base64url.
var macLen = base64.RawURLEncoding.EncodedLen(sha256.Size)

// Sign sets e.MAC.
func (k *Key) Sign(e *Envelope) {
	var sum [sha256.Size]byte
	k.sum(e, sum[:0])
	e.MAC = base64.RawURLEncoding.EncodeToString(sum[:])
}

// Verify checks e.MAC in constant time.
func (k *Key) Verify(e *Envelope) error {
	if e.MAC == "" {
		return fmt.Errorf("%w: no mac", ErrUnauthenticated)
	}
	var got, want [sha256.Size]byte
	if len(e.MAC) != macLen {
		return fmt.Errorf("%w: bad mac", ErrUnauthenticated)
	}
	if _, err := base64.RawURLEncoding.Decode(got[:], []byte(e.MAC)); err != nil {
		return fmt.Errorf("%w: bad mac", ErrUnauthenticated)
	}
	k.sum(e, want[:0])
	if !hmac.Equal(got[:], want[:]) {
		return fmt.Errorf("%w: bad mac", ErrUnauthenticated)
	}
	return nil
}

// macState is a keyed hash and the buffer the fields are laid out in.
type macState struct {
	h   hash.Hash
	buf []byte
}

// sum appends the HMAC of e's fields to dst: each string length-prefixed,
// the numbers fixed-width, in one Write.
func (k *Key) sum(e *Envelope, dst []byte) []byte {
	st := k.pool.Get().(*macState)
	defer k.pool.Put(st)
	field := func(b []byte, s string) []byte {
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		return append(b, s...)
	}
	ts := int64(0)
	if !e.Timestamp.IsZero() {
		ts = e.Timestamp.UnixNano()
	}
	b := field(st.buf[:0], "nngbench/envelope/v1")
	b = field(b, e.ID)
	b = append(b, byte(e.Type))
	b = field(b, e.Endpoint)
	b = binary.BigEndian.AppendUint64(b, uint64(ts))
	b = field(b, e.Sender)
	b = binary.BigEndian.AppendUint64(b, e.Seq)
	b = field(b, e.RequestID)
	b = field(b, e.Error)
	b = binary.BigEndian.AppendUint64(b, uint64(len(e.Data)))
	st.h.Reset()
	st.h.Write(b)
	st.h.Write(e.Data)
	if cap(b) <= 4096 { // keep small buffers only
		st.buf = b
	}
	return st.h.Sum(dst)
}
