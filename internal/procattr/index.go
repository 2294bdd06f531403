package procattr

import (
	"math"
	"math/bits"

	"github.com/sockscope/sockscope/internal/sockets"
)

// inodeIndex maps a socket inode to the positions in the caller's socket
// slice that carry it. It is an open-addressing hash table with linear
// probing, built by Holders.Attribute once the walk is over (looking each
// fd up during the walk was slower: see attribute). At 100k sockets it
// builds 2x faster than a Go map (both are bound by reading the large
// Socket values) and 3x faster than sorting, and looks up 3x faster than
// the map and 15x faster than binary search (BenchmarkIndexBuild,
// BenchmarkIndexLookup). Grouping runs of consecutive inodes into
// adjacent slots was tried and gave no measurable gain.
//
// Slots hold 32-bit inodes, since sockfs numbers sockets with
// get_next_ino, which is 32 bits wide: 8-byte slots make the table half
// as big as with 64-bit keys (2 MiB at 100k sockets), which saves page
// faults and cache misses. Larger inodes, which other sources might
// report, go to a map.
type inodeIndex struct {
	slots []slot
	big   map[uint64]int32 // first position of inodes ≥ 2^32
	n     int              // inodes indexed
	shift uint8            // 64 - log2(len(slots))
	// next chains positions that share an inode (the same socket listed
	// twice); nil when every inode is distinct, which is the usual case.
	next []int32
}

type slot struct {
	ino uint32 // 0: empty (no socket has inode 0 in a table; see newInodeIndex)
	pos int32  // first position in the socket slice
}

// newInodeIndex indexes the inodes of socks. Sockets with inode 0 (TIME_WAIT,
// request and orphaned sockets, which no process holds) are left out.
func newInodeIndex(socks []sockets.Socket) *inodeIndex {
	// Load factor at most 1/2: power of two ≥ 2n, at least 16. Sizing by
	// len(socks) rather than counting non-zero inodes saves a pass over
	// the (large) Socket values.
	logSize := max(4, bits.Len(uint(2*len(socks))))
	idx := &inodeIndex{
		slots: make([]slot, 1<<logSize),
		shift: uint8(64 - logSize),
	}
	mask := uint64(len(idx.slots) - 1)
	for i := range socks {
		ino := socks[i].Inode
		switch {
		case ino == 0:
			continue
		case ino > math.MaxUint32:
			if first, ok := idx.big[ino]; ok {
				idx.chain(first, int32(i), len(socks))
				continue
			}
			if idx.big == nil {
				idx.big = make(map[uint64]int32)
			}
			idx.big[ino] = int32(i)
			idx.n++
			continue
		}
		for h := idx.hash(uint32(ino)); ; h = (h + 1) & mask {
			s := &idx.slots[h]
			if s.ino == 0 {
				*s = slot{ino: uint32(ino), pos: int32(i)}
				idx.n++
				break
			}
			if s.ino == uint32(ino) {
				idx.chain(s.pos, int32(i), len(socks))
				break
			}
		}
	}
	return idx
}

// chain appends position p to the list that starts at position first.
func (idx *inodeIndex) chain(first, p int32, n int) {
	if idx.next == nil {
		idx.next = make([]int32, n)
		for i := range idx.next {
			idx.next[i] = -1
		}
	}
	last := first
	for idx.next[last] >= 0 {
		last = idx.next[last]
	}
	idx.next[last] = p
}

// hash spreads inodes (which the kernel hands out nearly sequentially)
// over the table by Fibonacci hashing.
func (idx *inodeIndex) hash(ino uint32) uint64 {
	return (uint64(ino) * 0x9E3779B97F4A7C15) >> idx.shift
}

// lookup returns the first position holding ino, or -1. Further positions
// follow through idx.next.
func (idx *inodeIndex) lookup(ino uint64) int32 {
	switch {
	case ino == 0:
		return -1
	case ino > math.MaxUint32:
		if p, ok := idx.big[ino]; ok {
			return p
		}
		return -1
	}
	mask := uint64(len(idx.slots) - 1)
	for h := idx.hash(uint32(ino)); ; h = (h + 1) & mask {
		s := &idx.slots[h]
		if s.ino == uint32(ino) {
			return s.pos
		}
		if s.ino == 0 {
			return -1
		}
	}
}

// nextPos returns the position after p holding the same inode, or -1.
func (idx *inodeIndex) nextPos(p int32) int32 {
	if idx.next == nil {
		return -1
	}
	return idx.next[p]
}
