package trace

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/sockscope/sockscope/internal/errs"
)

// A BPF ring buffer's records, as the kernel lays them out: an 8-byte
// header (the length, with two flags in its top bits, and the page
// offset the kernel uses to find the buffer from a record), the sample,
// and padding to 8 bytes. The data pages are mapped twice in a row, so
// that a record that wraps past the end is contiguous.
const (
	ringHeader     = 8
	ringBusyBit    = 1 << 31 // reserved, not yet submitted
	ringDiscardBit = 1 << 30 // discarded: skipped
	ringLengthMask = ringDiscardBit - 1
)

// ringState is what nextRecord finds at a position of a ring.
type ringState int

const (
	ringRecord ringState = iota // a record, to read
	ringEmpty                   // nothing more was written
	ringBusy                    // the next record is still being written
)

// nextRecord reads the record at pos of data, a ring of mask+1 bytes
// mapped twice in a row, where the producer has written up to end. It
// returns the sample (in data: valid until the space is given back to
// the kernel) and the position after it, skipping discarded records. A
// length that does not fit what was written is an error (the ring is not
// what the kernel writes).
func nextRecord(data []byte, mask, pos, end uint64) ([]byte, uint64, ringState, error) {
	for {
		if pos == end {
			return nil, pos, ringEmpty, nil
		}
		if end-pos < ringHeader || end-pos > mask+1 {
			return nil, pos, ringEmpty, fmt.Errorf("%w: ring buffer positions %d..%d", errs.ErrMalformed, pos, end)
		}
		off := pos & mask
		if off+ringHeader > uint64(len(data)) {
			return nil, pos, ringEmpty, fmt.Errorf("%w: ring buffer of %d bytes for a mask of %#x", errs.ErrMalformed, len(data), mask)
		}
		// The producer writes the length last (a release store): load it
		// as such.
		hdr := atomic.LoadUint32((*uint32)(unsafe.Pointer(&data[off])))
		if hdr&ringBusyBit != 0 {
			return nil, pos, ringBusy, nil
		}
		n := uint64(hdr & ringLengthMask)
		next := pos + (ringHeader+n+7)&^7
		if next-pos > end-pos || off+ringHeader+n > uint64(len(data)) {
			return nil, pos, ringEmpty, fmt.Errorf("%w: a ring buffer record of %d bytes at %d, %d written", errs.ErrMalformed, n, pos, end-pos)
		}
		if hdr&ringDiscardBit != 0 {
			pos = next
			continue
		}
		return data[off+ringHeader : off+ringHeader+n], next, ringRecord, nil
	}
}
