package trace

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

// testRing is a ring buffer of size bytes laid out as the kernel maps
// it: the data twice in a row. put writes a record at the producer's
// position, as the kernel does.
type testRing struct {
	data []byte
	size uint64
	end  uint64
}

func newTestRing(size uint64) *testRing { return &testRing{data: make([]byte, 2*size), size: size} }

func (r *testRing) put(sample []byte, flags uint32) {
	rec := make([]byte, (ringHeader+len(sample)+7)&^7)
	binary.NativeEndian.PutUint32(rec, uint32(len(sample))|flags)
	copy(rec[ringHeader:], sample)
	for i, c := range rec {
		off := (r.end + uint64(i)) % r.size
		r.data[off], r.data[off+r.size] = c, c
	}
	r.end += uint64(len(rec))
}

// TestNextRecord reads records of every length around the ring's end
// (each wraps somewhere), skips discarded ones, stops at one still being
// written, and refuses lengths past what was written.
func TestNextRecord(t *testing.T) {
	r := newTestRing(64)
	var pos uint64
	for n := 0; n < 40; n++ {
		want := bytes.Repeat([]byte{byte(n)}, n%30)
		r.put([]byte("discarded"), ringDiscardBit)
		r.put(want, 0)
		b, next, st, err := nextRecord(r.data, r.size-1, pos, r.end)
		if err != nil || st != ringRecord || !bytes.Equal(b, want) || next != r.end {
			t.Fatalf("record %d: %q %d %v %v, want %q at %d", n, b, next, st, err, want, r.end)
		}
		pos = next
		if _, _, st, err := nextRecord(r.data, r.size-1, pos, r.end); st != ringEmpty || err != nil {
			t.Fatalf("after record %d: %v %v, want empty", n, st, err)
		}
	}
	r.put([]byte("writing"), ringBusyBit)
	if _, next, st, err := nextRecord(r.data, r.size-1, pos, r.end); st != ringBusy || err != nil || next != pos {
		t.Errorf("a record being written: %v %v at %d", st, err, next)
	}
	// A length past what the producer wrote, a header cut, and positions
	// further apart than the ring.
	r = newTestRing(64)
	r.put(make([]byte, 20), 0)
	for _, c := range []struct{ pos, end uint64 }{{0, 12}, {0, 4}, {0, 1000}} {
		if _, _, _, err := nextRecord(r.data, r.size-1, c.pos, c.end); !errors.Is(err, errs.ErrMalformed) {
			t.Errorf("positions %d..%d: %v, want malformed", c.pos, c.end, err)
		}
	}
}

// FuzzNextRecord: whatever the ring holds and wherever the positions
// are, reading it never panics and never goes past what was written.
func FuzzNextRecord(f *testing.F) {
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}, uint64(0), uint64(16))
	f.Add(make([]byte, 64), uint64(60), uint64(80))
	f.Fuzz(func(t *testing.T, ring []byte, pos, end uint64) {
		size := uint64(64)
		data := make([]byte, 2*size)
		copy(data, ring)
		copy(data[size:], data[:size])
		for range 100 {
			b, next, st, err := nextRecord(data, size-1, pos, end)
			if err != nil || st != ringRecord {
				return
			}
			if next <= pos || next-pos > end-pos || uint64(len(b)) > next-pos {
				t.Fatalf("record of %d bytes from %d to %d, %d written", len(b), pos, next, end)
			}
			pos = next
		}
	})
}
