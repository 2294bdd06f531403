package procattr

import (
	"cmp"
	"slices"

	"github.com/sockscope/sockscope/internal/sockets"
)

// hit records that the process with index proc in the walk's PID list
// holds the socket at position sock of the caller's slice on descriptor fd.
type hit struct{ sock, proc, fd int32 }

// merge sets socks[i].Processes from the hits of every worker, in a result
// that does not depend on how the walk was split among the workers:
//
//   - each socket lists its processes sorted by PID (proc indices are in
//     PID order), one entry per process carrying the lowest fd it holds
//     the socket on;
//   - hits of a process whose procs entry is nil (it exited, or its
//     identity could not be confirmed, before the walk finished with it)
//     are dropped;
//   - sockets without hits get a nil Processes.
//
// The entries point to procs[p]: every socket of a process shares one
// ProcessInfo, and only the FD is per socket. All entries live in one
// backing array; each socket gets a capacity-limited window of it, so
// appending to one socket's list never overwrites another's.
func merge(socks []sockets.Socket, procs []*sockets.ProcessInfo, hits [][]hit) {
	// Counting sort of the hits by socket position.
	cnt := make([]int32, len(socks)+1)
	for _, hs := range hits {
		for _, h := range hs {
			if procs[h.proc] != nil {
				cnt[h.sock+1]++
			}
		}
	}
	for i := 1; i < len(cnt); i++ {
		cnt[i] += cnt[i-1]
	}
	type holder struct{ proc, fd int32 }
	sorted := make([]holder, cnt[len(socks)])
	for _, hs := range hits {
		for _, h := range hs {
			if procs[h.proc] != nil {
				sorted[cnt[h.sock]] = holder{h.proc, h.fd}
				cnt[h.sock]++
			}
		}
	}
	// Now cnt[s] is the end of socket s's run, and its start the end of
	// the previous one. Sort each run by (proc, fd) and keep the first
	// entry of each proc, compacting in place: w only trails the reads.
	w, start := int32(0), int32(0)
	for s := range socks {
		end := cnt[s]
		run := sorted[start:end]
		if len(run) > 1 {
			slices.SortFunc(run, func(a, b holder) int {
				if c := cmp.Compare(a.proc, b.proc); c != 0 {
					return c
				}
				return cmp.Compare(a.fd, b.fd)
			})
		}
		for i, h := range run {
			if i > 0 && h.proc == run[i-1].proc {
				continue
			}
			sorted[w] = h
			w++
		}
		start = end
		cnt[s] = w // new end of socket s's run
	}
	backing := make([]sockets.Process, w)
	start = 0
	for s := range socks {
		end := cnt[s]
		if end == start {
			socks[s].Processes = nil
			continue
		}
		for i := start; i < end; i++ {
			backing[i] = sockets.Process{ProcessInfo: procs[sorted[i].proc], FD: sorted[i].fd}
		}
		socks[s].Processes = backing[start:end:end]
		start = end
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
