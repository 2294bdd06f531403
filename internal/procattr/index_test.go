package procattr

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

func TestInodeIndex(t *testing.T) {
	socks := []sockets.Socket{
		{Inode: 10}, {Inode: 0}, {Inode: 11}, {Inode: 10}, {Inode: 1 << 40}, {Inode: 10}, {Inode: 1 << 40},
		{Inode: 1<<32 + 10}, // same low 32 bits as 10
	}
	idx := newInodeIndex(socks)
	if got := idx.n; got != 4 {
		t.Errorf("len = %d, want 4", got)
	}
	positions := func(ino uint64) []int32 {
		var ps []int32
		for p := idx.lookup(ino); p >= 0; p = idx.nextPos(p) {
			ps = append(ps, p)
		}
		return ps
	}
	for _, tc := range []struct {
		ino  uint64
		want []int32
	}{
		{10, []int32{0, 3, 5}},
		{11, []int32{2}},
		{1 << 40, []int32{4, 6}},
		{1<<32 + 10, []int32{7}},
		{1<<32 + 11, nil},
		{0, nil}, // never indexed
		{12, nil},
	} {
		if got := positions(tc.ino); !slices.Equal(got, tc.want) {
			t.Errorf("positions(%d) = %v, want %v", tc.ino, got, tc.want)
		}
	}
}

// TestInodeIndexMany cross-checks the table against a map on inodes laid
// out as the kernel hands them out (runs from per-CPU batches) and random.
func TestInodeIndexMany(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	socks := make([]sockets.Socket, 50_000)
	for i := range socks {
		if i%2 == 0 {
			socks[i].Inode = uint64(1000 + i/2 + (i%7)*1024)
		} else {
			socks[i].Inode = r.Uint64N(1<<32) + 1
		}
	}
	idx := newInodeIndex(socks)
	want := map[uint64][]int32{}
	for i, s := range socks {
		want[s.Inode] = append(want[s.Inode], int32(i))
	}
	for ino, ps := range want {
		var got []int32
		for p := idx.lookup(ino); p >= 0; p = idx.nextPos(p) {
			got = append(got, p)
		}
		if !slices.Equal(got, ps) {
			t.Fatalf("inode %d: %v, want %v", ino, got, ps)
		}
	}
	for range 1000 {
		ino := r.Uint64N(1<<40) + 1<<33
		if p := idx.lookup(ino); p >= 0 {
			t.Fatalf("inode %d found at %d", ino, p)
		}
	}
}

// kernelInodes returns n inodes as a loaded machine has them: mostly
// increasing runs (get_next_ino hands out per-CPU batches).
func kernelInodes(n int) []sockets.Socket {
	socks := make([]sockets.Socket, n)
	for i := range socks {
		socks[i] = sockets.Socket{Inode: uint64(100_000 + i + (i/1000%2)*1_000_000)}
	}
	return socks
}

// wideSlot is an entry of the sorted-slice alternative.
type wideSlot struct {
	ino uint64
	pos int32
}

// The three candidate indexes, at 100k sockets: the open-addressing table
// used, a Go map, and a sorted slice with binary search.
func BenchmarkIndexBuild(b *testing.B) {
	socks := kernelInodes(100_000)
	b.Run("table", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			newInodeIndex(socks)
		}
	})
	b.Run("map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := make(map[uint64]int32, len(socks))
			for i := range socks {
				m[socks[i].Inode] = int32(i)
			}
		}
	})
	b.Run("sorted", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s := make([]wideSlot, len(socks))
			for i := range socks {
				s[i] = wideSlot{socks[i].Inode, int32(i)}
			}
			slices.SortFunc(s, func(a, b wideSlot) int { return cmp.Compare(a.ino, b.ino) })
		}
	})
}

// BenchmarkIndexLookup looks up every inode once, in fd order (the order
// a process created its sockets, as the walk meets them) or shuffled.
func BenchmarkIndexLookup(b *testing.B) {
	socks := kernelInodes(100_000)
	inOrder := make([]uint64, len(socks))
	for i := range socks {
		inOrder[i] = socks[i].Inode
	}
	shuffled := slices.Clone(inOrder)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })

	idx := newInodeIndex(socks)
	m := make(map[uint64]int32, len(socks))
	sorted := make([]wideSlot, len(socks))
	for i := range socks {
		m[socks[i].Inode] = int32(i)
		sorted[i] = wideSlot{socks[i].Inode, int32(i)}
	}
	slices.SortFunc(sorted, func(a, b wideSlot) int { return cmp.Compare(a.ino, b.ino) })

	for _, order := range []struct {
		name string
		inos []uint64
	}{{"fdorder", inOrder}, {"shuffled", shuffled}} {
		b.Run("table/"+order.name, func(b *testing.B) {
			for b.Loop() {
				for _, ino := range order.inos {
					if idx.lookup(ino) < 0 {
						b.Fatal("missing")
					}
				}
			}
		})
		b.Run("map/"+order.name, func(b *testing.B) {
			for b.Loop() {
				for _, ino := range order.inos {
					if _, ok := m[ino]; !ok {
						b.Fatal("missing")
					}
				}
			}
		})
		b.Run("sorted/"+order.name, func(b *testing.B) {
			for b.Loop() {
				for _, ino := range order.inos {
					if _, ok := slices.BinarySearchFunc(sorted, ino, func(s wideSlot, ino uint64) int { return cmp.Compare(s.ino, ino) }); !ok {
						b.Fatal("missing")
					}
				}
			}
		})
	}
}

// BenchmarkMerge merges 100k entries of 200 processes into 100k sockets,
// building the index of the sockets as Holders.Attribute does.
func BenchmarkMerge(b *testing.B) {
	const n, nproc = 100_000, 200
	socks := kernelInodes(n)
	procs := make([]*sockets.ProcessInfo, nproc)
	for i := range procs {
		procs[i] = &sockets.ProcessInfo{PID: int32(100 + i), Name: "proc", Cmdline: []string{"proc", "-x"}}
	}
	ents := [][]entry{make([]entry, 0, n/2), make([]entry, 0, n/2)}
	for i := range n {
		ents[i%2] = append(ents[i%2], entry{ino: socks[i].Inode, proc: int32(i / (n / nproc)), fd: int32(3 + i%(n/nproc))})
	}
	b.ReportAllocs()
	for b.Loop() {
		merge(socks, newInodeIndex(socks), procs, ents)
	}
}
