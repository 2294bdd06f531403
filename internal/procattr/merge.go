package procattr

import (
	"cmp"
	"slices"
	"sync"

	"github.com/sockscope/sockscope/internal/sockets"
)

// merge sets socks[i].Processes from the entries of a walk, idx being the
// index of socks (nil if there are no entries), in a result that does not
// depend on how the walk was split among the workers:
//
//   - each socket lists its processes sorted by PID (proc indices are in
//     PID order), one entry per process carrying the lowest fd it holds
//     the socket on, its other fds in the process's MoreFDs;
//   - entries of a process whose procs entry is nil (it exited, or its
//     identity could not be confirmed, before the walk finished with it)
//     and entries of inodes not in socks are dropped;
//   - sockets without entries get a nil Processes.
//
// The entries point to procs[p]: every socket of a process shares one
// ProcessInfo, and only the FD is per socket. All entries live in one
// backing array, filled by a counting sort of the entries by socket; each
// socket gets a capacity-limited window of it, so appending to one
// socket's list never overwrites another's.
//
// Each entry is looked up twice, to count and then to place it: at 100k
// entries that takes ~0.7 ms more than storing the positions found once,
// and saves their 1.2 MB (peak memory is a goal of its own).
func merge(socks []sockets.Socket, idx *inodeIndex, procs []*sockets.ProcessInfo, ents [][]entry) {
	// next[s] is where socket s's next entry goes: first the start of its
	// run (after counting), then, once all are placed, its end.
	next := make([]int32, len(socks)+1)
	for _, es := range ents {
		for _, e := range es {
			if procs[e.proc] != nil {
				for s := idx.lookup(e.ino); s >= 0; s = idx.nextPos(s) {
					next[s+1]++
				}
			}
		}
	}
	for i := 1; i < len(next); i++ {
		next[i] += next[i-1]
	}
	backing := make([]sockets.Process, next[len(socks)])
	for _, es := range ents {
		for _, e := range es {
			if p := procs[e.proc]; p != nil {
				for s := idx.lookup(e.ino); s >= 0; s = idx.nextPos(s) {
					backing[next[s]] = sockets.Process{Info: p, FD: e.fd}
					next[s]++
				}
			}
		}
	}
	// Sort each run by (PID, fd) and keep the first entry of each
	// process; duplicates leave unused slots at the end of the run.
	start := int32(0)
	for s := range socks {
		run := backing[start:next[s]]
		start = next[s]
		if len(run) > 1 {
			slices.SortFunc(run, func(a, b sockets.Process) int {
				if c := cmp.Compare(a.Info.PID, b.Info.PID); c != 0 {
					return c
				}
				return cmp.Compare(a.FD, b.FD)
			})
			run = compactHolders(run, socks[s].Inode)
		}
		if len(run) == 0 {
			run = nil
		}
		socks[s].Processes = run[:len(run):len(run)]
	}
}

// compactHolders keeps the first (lowest-fd) entry of each process of a
// run sorted by (PID, fd), and records the other fds of a process in its
// MoreFDs, by the socket's inode.
func compactHolders(run []sockets.Process, inode uint64) []sockets.Process {
	w := 1
	for r := 1; r < len(run); r++ {
		if p := run[r].Info; p == run[w-1].Info {
			addMoreFD(p, inode, run[r].FD)
			continue
		}
		run[w] = run[r]
		w++
	}
	clear(run[w:])
	return run[:w]
}

// moreFDs guards ProcessInfo.MoreFDs: the ProcessInfos of one Holders
// are shared by every Attribute of it, which may run at once on several
// goroutines (a process holding one socket on several fds is rare, so
// one lock for all costs nothing).
var moreFDs sync.Mutex

// addMoreFD records that p also holds the socket inode on fd. Two
// sockets may share an inode (the same socket listed twice): its fds are
// recorded once.
func addMoreFD(p *sockets.ProcessInfo, inode uint64, fd int32) {
	moreFDs.Lock()
	defer moreFDs.Unlock()
	if p.MoreFDs == nil {
		p.MoreFDs = make(map[uint64][]int32)
	}
	if fds := p.MoreFDs[inode]; !slices.Contains(fds, fd) {
		p.MoreFDs[inode] = append(fds, fd)
	}
}

// unattributed counts the sockets left without a process that some
// process might hold: those with an inode, in a state a process can own.
// TIME_WAIT and SYN_RECV (request sockets) belong to the kernel, and a
// socket without an inode (an orphan) has no file any process could hold.
func unattributed(socks []sockets.Socket) int {
	n := 0
	for i := range socks {
		s := &socks[i]
		if len(s.Processes) > 0 || s.Inode == 0 {
			continue
		}
		switch s.State {
		case sockets.TimeWait, sockets.SynRecv, sockets.NewSynRecv:
			continue
		}
		n++
	}
	return n
}
