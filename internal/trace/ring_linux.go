package trace

import (
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ring is a BPF ring buffer map mapped into the reader, read in place. The
// space of what was read is given back to the kernel once a batch is
// read, or every ringBatchRelease bytes, rather than after each record:
// the kernel's producer reads the consumer's position at every reserve,
// and a write to it for every record moved its cache line between the
// two CPUs each time.
type ring struct {
	consPage, dataPages []byte
	cons, prod          *uint64 // the positions, in the pages
	data                []byte  // the data pages, twice
	mask                uint64
	// pos is where the next record is read; end, the producer's position
	// when it was last read; given, the position last given back.
	pos, end, given uint64
}

// ringBatchRelease is how much a batch reads at most before it gives the
// space back.
const ringBatchRelease = 64 << 10

// mapRing maps the ring buffer map fd of size bytes (a power of two).
func mapRing(fd, size int) (*ring, error) {
	page := os.Getpagesize()
	cons, err := unix.Mmap(fd, 0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mapping the ring buffer's consumer page: %w", err)
	}
	data, err := unix.Mmap(fd, int64(page), page+2*size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		unix.Munmap(cons)
		return nil, fmt.Errorf("mapping the ring buffer's data pages: %w", err)
	}
	r := &ring{
		consPage: cons, dataPages: data,
		cons: (*uint64)(unsafe.Pointer(&cons[0])),
		prod: (*uint64)(unsafe.Pointer(&data[0])),
		data: data[page:],
		mask: uint64(size - 1),
	}
	r.pos = atomic.LoadUint64(r.cons)
	r.end, r.given = r.pos, r.pos
	return r, nil
}

// next returns the next record's sample, valid until the next call or
// give.
func (r *ring) next() ([]byte, ringState, error) {
	if r.pos-r.given >= ringBatchRelease {
		r.give() // the records before this one are done with
	}
	if r.pos == r.end {
		r.end = atomic.LoadUint64(r.prod)
	}
	b, pos, st, err := nextRecord(r.data, r.mask, r.pos, r.end)
	if err != nil {
		// Start again from what the producer wrote last.
		r.pos = atomic.LoadUint64(r.prod)
		r.end = r.pos
		r.give()
		return nil, ringEmpty, err
	}
	r.pos = pos
	return b, st, nil
}

// give gives the space of the records read back to the kernel.
func (r *ring) give() {
	if r.given != r.pos {
		atomic.StoreUint64(r.cons, r.pos)
		r.given = r.pos
	}
}

// waiting returns how many bytes wait past what was read.
func (r *ring) waiting() uint64 { return atomic.LoadUint64(r.prod) - r.pos }

// unmap unmaps the ring; it is not used after.
func (r *ring) unmap() {
	unix.Munmap(r.dataPages)
	unix.Munmap(r.consPage)
}
