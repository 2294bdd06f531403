package procattr

import "github.com/sockscope/sockscope/internal/sockets"

// Holders is what one walk of the fd tables saw: for every socket
// descriptor of every process it could read, the socket's inode, the
// process and the fd, plus the processes' loaded data and the counts of a
// Result. Scan returns one; Attribute makes one internally.
//
// The descriptors are kept as flat blocks of 16-byte entries, in no
// particular order; the join with the sockets happens in Attribute. A
// Holders is not changed by Attribute, so it may be used several times
// and from several goroutines at once (on different socket slices).
type Holders struct {
	// procs is indexed by a process's position in the walk's PID list
	// (which is sorted by PID); nil for a process that holds no recorded
	// socket, or exited before it was loaded.
	procs []*sockets.ProcessInfo
	// ents are the (inode, process, fd) records, in blocks of at most
	// maxBlock, filled by the workers in parallel.
	ents [][]entry
	// res holds Unreadable and Processes; Unattributed depends on the
	// sockets and is counted by Attribute.
	res Result
	// pids, when not nil, replaces all of the above: the source gave
	// every socket its owner's PID (Windows), and Attribute completes
	// those processes from the snapshot pids holds.
	pids *pidTable
}

// entry records that the process at index proc of the walk's PID list
// holds the socket with inode ino on descriptor fd.
type entry struct {
	ino  uint64
	proc int32
	fd   int32
}

// Attribute sets the Processes of every socket in socks to the processes
// h saw holding its inode, as the Attribute function does: each list is
// sorted by PID, one entry per process with the lowest fd it holds the
// socket on, every holder of a socket shared after fork, all sockets of a
// process sharing its loaded ProcessInfo; a socket no process held gets a
// nil list. It returns what the walk could not see: Unreadable and
// Processes as Scan counted them and, if Unreadable > 0, Unattributed for
// socks.
//
// A socket created after the walk passed its process, or passed on to
// another process meanwhile, is matched as the walk saw it (unattributed,
// or to its former holder); one closed meanwhile simply matches nothing.
// A nil h (Scan failed) leaves socks unchanged and returns a zero Result.
//
// On Windows, where the source already gave each socket its owner's PID,
// Attribute keeps those holders and fills in their process data instead
// (see pidTable.attribute).
func (h *Holders) Attribute(socks []sockets.Socket) Result {
	if h == nil {
		return Result{}
	}
	if h.pids != nil {
		return h.pids.attribute(socks)
	}
	var idx *inodeIndex
	if len(h.ents) > 0 {
		idx = newInodeIndex(socks)
	}
	merge(socks, idx, h.procs, h.ents)
	res := h.res
	if res.Unreadable > 0 {
		res.Unattributed = unattributed(socks)
	}
	return res
}

// add appends what o saw to h: o's processes come after h's, and its
// entries point to them there.
func (h *Holders) add(o *Holders) {
	base := int32(len(h.procs))
	h.procs = append(h.procs, o.procs...)
	for _, es := range o.ents {
		for i := range es {
			es[i].proc += base
		}
		h.ents = append(h.ents, es)
	}
	h.res.Unreadable += o.res.Unreadable
	h.res.Processes += o.res.Processes
}
