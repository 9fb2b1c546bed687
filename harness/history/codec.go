package history

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
)

// The file format (FileName), version 1. Every integer is a varint
// (encoding/binary's Uvarint; "zz" marks a zig-zag signed one), every
// section ends with the CRC-32C of its type byte and payload, big-endian:
//
//	magic       "NNBHIST" 0x01
//	section     type (1 byte) | payload length (uvarint) | payload | crc32c (4 bytes)
//	  'M'       once, first: Meta as JSON
//	  'T'       a block of one tape: workload, tape, count (uvarints), then count ops
//	  'Z'       once, last: the number of ops in all blocks (uvarint)
//
// A tape longer than blockOps is split into blocks with the same tape
// number, in order. Each block decodes on its own: every delta starts
// from zero at a block's start. One op:
//
//	head        kind (bits 0-1) | outcome (bits 2-3) | flags (bits 4-6) | T2 present (bit 7)
//	sender      zz delta from the previous op's
//	seq         zz delta
//	peer        zz delta
//	T1          zz delta (unix ns)
//	T2          zz T2 - T1, only when present
//	bytes       zz delta
//
// Deltas keep an op at 7 to 12 bytes: a send and its receipt at some 20.

var magic = []byte("NNBHIST\x01")

// Limits a reader holds a file to, so that a corrupt length cannot make it
// allocate without bound.
const (
	blockOps = 1 << 16
	maxMeta  = 64 << 20
	maxBlock = blockOps * (1 + 6*binary.MaxVarintLen64)
)

// ErrFormat is wrapped by every error about a history file that is not one,
// or is damaged.
var ErrFormat = errors.New("history: not a valid history")

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Write writes h to w.
func Write(w io.Writer, h *History) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.Write(magic); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	meta := h.Meta
	if meta.Schema == "" {
		meta.Schema = Schema
	}
	js, err := json.Marshal(&meta)
	if err != nil {
		return fmt.Errorf("history: meta: %w", err)
	}
	if err := section(bw, 'M', js); err != nil {
		return err
	}
	var total uint64
	var buf []byte
	for wl, tapes := range h.Tapes {
		for ti, ops := range tapes {
			for len(ops) > 0 {
				n := min(len(ops), blockOps)
				buf = encodeBlock(buf[:0], wl, ti, ops[:n])
				if err := section(bw, 'T', buf); err != nil {
					return err
				}
				total += uint64(n)
				ops = ops[n:]
			}
		}
	}
	if err := section(bw, 'Z', binary.AppendUvarint(nil, total)); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}

// WriteFile writes h to dir/FileName, through a temporary file renamed
// into place, so that a history that exists is complete.
func WriteFile(dir string, h *History) error {
	f, err := os.CreateTemp(dir, "."+FileName+".*")
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	tmp := f.Name()
	err = Write(f, h)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, FileName))
	}
	if err != nil {
		_ = os.Remove(tmp) // already failing: the first error says why
		return fmt.Errorf("history: writing %s: %w", filepath.Join(dir, FileName), err)
	}
	return nil
}

func section(w *bufio.Writer, typ byte, payload []byte) error {
	hdr := binary.AppendUvarint([]byte{typ}, uint64(len(payload)))
	crc := crc32.Update(crc32.Checksum([]byte{typ}, crcTable), crcTable, payload)
	var tail [4]byte
	binary.BigEndian.PutUint32(tail[:], crc)
	for _, b := range [][]byte{hdr, payload, tail[:]} {
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("history: %w", err)
		}
	}
	return nil
}

func zz(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) } //nolint:gosec // zig-zag: the bits are the point

func unzz(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) } //nolint:gosec // zig-zag

// encodeBlock appends one block of ops to b.
func encodeBlock(b []byte, workload, tape int, ops []Op) []byte {
	b = binary.AppendUvarint(b, uint64(workload)) //nolint:gosec // indexes, never negative
	b = binary.AppendUvarint(b, uint64(tape))     //nolint:gosec // indexes
	b = binary.AppendUvarint(b, uint64(len(ops)))
	var prev Op
	for _, op := range ops {
		head := byte(op.Kind&3) | byte(op.Outcome&3)<<2 | (op.Flags&7)<<4
		if op.T2 != 0 {
			head |= 1 << 7
		}
		b = append(b, head)
		b = binary.AppendUvarint(b, zz(int64(op.Sender)-int64(prev.Sender)))
		b = binary.AppendUvarint(b, zz(int64(op.Seq-prev.Seq))) //nolint:gosec // a wrapping difference, undone on decode
		b = binary.AppendUvarint(b, zz(int64(op.Peer)-int64(prev.Peer)))
		b = binary.AppendUvarint(b, zz(op.T1-prev.T1))
		if op.T2 != 0 {
			b = binary.AppendUvarint(b, zz(op.T2-op.T1))
		}
		b = binary.AppendUvarint(b, zz(int64(op.Bytes)-int64(prev.Bytes)))
		prev = op
	}
	return b
}

// Read reads a history from r; name is for errors (the file's path).
func Read(r io.Reader, name string) (*History, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(br, head); err != nil || !bytes.Equal(head, magic) {
		return nil, fmt.Errorf("%w: %s: no history header (a file of nngbench %s?)", ErrFormat, name, Schema)
	}
	h := &History{}
	var total uint64
	off := int64(len(magic))
	for sec := 0; ; sec++ {
		typ, payload, n, err := readSection(br)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: section %d at byte %d: %w", ErrFormat, name, sec, off, err)
		}
		off += n
		switch {
		case sec == 0 && typ != 'M':
			return nil, fmt.Errorf("%w: %s: first section %q, want the meta 'M'", ErrFormat, name, typ)
		case typ == 'M' && sec == 0:
			if err := decodeMeta(payload, &h.Meta); err != nil {
				return nil, fmt.Errorf("%w: %s: meta: %w", ErrFormat, name, err)
			}
			h.Tapes = make([][][]Op, len(h.Meta.Workloads))
		case typ == 'T':
			n, err := h.decodeBlock(payload)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: block at byte %d: %w", ErrFormat, name, off-int64(len(payload)), err)
			}
			total += uint64(n) //nolint:gosec // a count
		case typ == 'Z':
			want, k := binary.Uvarint(payload)
			if k <= 0 || k != len(payload) || want != total {
				return nil, fmt.Errorf("%w: %s: %d ops in the blocks, the end says otherwise", ErrFormat, name, total)
			}
			if _, err := br.ReadByte(); err != io.EOF {
				return nil, fmt.Errorf("%w: %s: bytes after the end", ErrFormat, name)
			}
			return h, nil
		default:
			return nil, fmt.Errorf("%w: %s: section %d: unknown type %q", ErrFormat, name, sec, typ)
		}
	}
}

// ReadFile reads dir/FileName.
func ReadFile(dir string) (*History, error) {
	path := filepath.Join(dir, FileName)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

func readSection(r *bufio.Reader) (typ byte, payload []byte, n int64, err error) {
	typ, err = r.ReadByte()
	if err != nil {
		return 0, nil, 0, fmt.Errorf("truncated: %w", err)
	}
	size, err := binary.ReadUvarint(r)
	if err != nil {
		return 0, nil, 0, fmt.Errorf("truncated length: %w", err)
	}
	limit := uint64(maxBlock)
	if typ == 'M' {
		limit = maxMeta
	}
	if size > limit {
		return 0, nil, 0, fmt.Errorf("section of %d bytes, more than %d", size, limit)
	}
	payload = make([]byte, size)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, 0, fmt.Errorf("truncated payload: %w", err)
	}
	var tail [4]byte
	if _, err := io.ReadFull(r, tail[:]); err != nil {
		return 0, nil, 0, fmt.Errorf("truncated checksum: %w", err)
	}
	crc := crc32.Update(crc32.Checksum([]byte{typ}, crcTable), crcTable, payload)
	if binary.BigEndian.Uint32(tail[:]) != crc {
		return 0, nil, 0, errors.New("checksum mismatch")
	}
	return typ, payload, int64(1 + uvarintLen(size) + len(payload) + 4), nil //nolint:gosec // small
}

func uvarintLen(v uint64) int { return len(binary.AppendUvarint(nil, v)) }

func decodeMeta(b []byte, m *Meta) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(m); err != nil {
		return err
	}
	if m.Schema != Schema {
		return fmt.Errorf("schema %q, this nngbench reads %q", m.Schema, Schema)
	}
	return nil
}

// decodeBlock decodes one block into h.Tapes and returns its op count.
func (h *History) decodeBlock(b []byte) (int, error) {
	var hdr [3]uint64
	for i := range hdr {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, errors.New("truncated block header")
		}
		hdr[i], b = v, b[k:]
	}
	wl, tape, count := hdr[0], hdr[1], hdr[2]
	switch {
	case wl >= uint64(len(h.Tapes)):
		return 0, fmt.Errorf("workload %d of %d", wl, len(h.Tapes))
	case tape > uint64(len(h.Tapes[wl])):
		return 0, fmt.Errorf("workload %d: tape %d follows tape %d", wl, tape, len(h.Tapes[wl])-1)
	case count == 0 || count > blockOps || count > uint64(len(b)):
		return 0, fmt.Errorf("%d ops in a block of %d bytes", count, len(b))
	}
	if tape == uint64(len(h.Tapes[wl])) {
		h.Tapes[wl] = append(h.Tapes[wl], make([]Op, 0, count))
	}
	ops := h.Tapes[wl][tape]
	var prev Op
	for i := range count {
		if len(b) == 0 {
			return 0, fmt.Errorf("op %d of %d: truncated", i, count)
		}
		head := b[0]
		b = b[1:]
		op := Op{Kind: Kind(head & 3), Outcome: Outcome(head >> 2 & 3), Flags: head >> 4 & 7}
		if op.Kind == 0 || op.Outcome > Timeout {
			return 0, fmt.Errorf("op %d: kind %d, outcome %d", i, op.Kind, op.Outcome)
		}
		var v [6]int64
		fields := 6
		if head&(1<<7) == 0 {
			fields = 5
		}
		for f := range fields {
			u, k := binary.Uvarint(b)
			if k <= 0 {
				return 0, fmt.Errorf("op %d, field %d: truncated", i, f)
			}
			v[f], b = unzz(u), b[k:]
		}
		sender := int64(prev.Sender) + v[0]
		peer := int64(prev.Peer) + v[2]
		if sender < 0 || sender > int64(^uint32(0)) || peer < int64(NoPeer) || peer > 1<<31-1 {
			return 0, fmt.Errorf("op %d: sender %d, peer %d", i, sender, peer)
		}
		op.Sender, op.Peer = uint32(sender), int32(peer)
		op.Seq = prev.Seq + uint64(v[1]) //nolint:gosec // undoes the wrapping difference
		op.T1 = prev.T1 + v[3]
		bytesAt := 4
		if fields == 6 {
			op.T2 = op.T1 + v[4]
			bytesAt = 5
		}
		nb := int64(prev.Bytes) + v[bytesAt]
		if nb < 0 || nb > int64(^uint32(0)) {
			return 0, fmt.Errorf("op %d: %d bytes", i, nb)
		}
		op.Bytes = uint32(nb)
		ops = append(ops, op)
		prev = op
	}
	if len(b) != 0 {
		return 0, fmt.Errorf("%d bytes after the last op", len(b))
	}
	h.Tapes[wl][tape] = ops
	return int(count), nil //nolint:gosec // at most blockOps
}
