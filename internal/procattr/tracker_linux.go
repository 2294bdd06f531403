package procattr

import (
	"cmp"
	"context"
	"os"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The hot loop to keep efficient is trackerState.refresh: one fstatat per
// process per call, and reads of fd tables only where counts moved.

// FullInterval is how often a Tracker walks every fd again whatever it
// saw; MinFullInterval is the shortest time between two full walks that
// a socket of unknown holder asks for.
const (
	FullInterval    = 60 * time.Second
	MinFullInterval = 10 * time.Second
)

// trackerState is what a Tracker remembers between calls on Linux.
type trackerState struct {
	rootfd   int // 0: not open yet
	counts   bool
	procs    map[int32]*tproc
	holders  map[uint64][]fdHolder        // by inode
	built    map[uint64][]sockets.Process // holders as Processes, built on demand
	unowned  map[uint64]struct{}          // found in no readable process by the last search
	lastFull time.Time
	gen      uint32
	gone     []uint64 // the sockets of the previous call this one does not list
	live     []uint64 // the inodes of the sockets of this call, sorted
	prevLive []uint64 // and of the previous call
	sortTmp  []uint64 // the sort's scratch
	// missing are the sockets of this call a process could hold and none
	// is known to; prevMissing those of the previous call (sorted).
	missing, prevMissing []uint64
	k                    worker // buffers, and details loading (finish)
	wk                   walker
	pids                 []int32
}

// tproc is a process as the tracker last read it.
type tproc struct {
	count  int     // fds procfs reported, -1 unknown
	fds    []fdIno // by fd number
	info   *sockets.ProcessInfo
	denied bool
	gen    uint32 // the call that last saw it
	lost   uint32 // the call in which a socket it held went away
}

// fdIno is an fd and the socket inode it holds, 0 if it is not a socket.
type fdIno struct {
	fd  int32
	ino uint64
}

// fdHolder is a process holding a socket on fd.
type fdHolder struct{ pid, fd int32 }

func (t *Tracker) close() error {
	if t.state.rootfd > 0 {
		err := unix.Close(t.state.rootfd)
		t.state.rootfd = 0
		return err
	}
	return nil
}

func (t *Tracker) attribute(ctx context.Context, socks []sockets.Socket) (Result, error) {
	s := &t.state
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if s.rootfd == 0 {
		fd, err := unix.Open(t.opts.Root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return Result{}, &os.PathError{Op: "open", Path: t.opts.Root, Err: err}
		}
		s.rootfd, s.counts = fd, !t.opts.noCount && fdCounts(fd)
		s.wk = walker{opts: t.opts, rootfd: fd, users: t.opts.users()}
		s.k.w = &s.wk
	}
	if !s.counts {
		// Without fd counts nothing tells a changed table: walk it all.
		return attribute(ctx, socks, t.opts)
	}
	s.prevMissing, s.missing = s.missing, s.prevMissing[:0]
	s.prevLive, s.live = s.live, s.prevLive[:0]
	for i := range socks {
		if socks[i].Inode != 0 {
			s.live = append(s.live, socks[i].Inode)
		}
	}
	s.live, s.sortTmp = sortInodes(s.live, s.sortTmp)
	s.wentAway()
	var err error
	full := s.procs == nil || time.Since(s.lastFull) >= FullInterval
	if full {
		err = s.fullWalk(ctx, t.opts)
	} else {
		err = s.refresh()
	}
	if err != nil && s.procs == nil {
		return Result{}, err
	}
	if s.assign(socks) && !full {
		// A socket of unknown holder: read every table's new fds, and if
		// that does not find it, everything.
		s.scanAll()
		if s.assign(socks) && time.Since(s.lastFull) >= MinFullInterval {
			if e := s.fullWalk(ctx, t.opts); e == nil {
				s.assign(socks)
			} else if err == nil {
				err = e
			}
		}
	}
	for _, ino := range s.missing {
		if s.wasMissing(ino) {
			s.unowned[ino] = struct{}{} // searched for: not again until the next full walk
		}
	}
	slices.Sort(s.missing)
	res := Result{Processes: len(s.procs)}
	for _, p := range s.procs {
		if p.denied {
			res.Unreadable++
		}
	}
	if res.Unreadable > 0 {
		res.Unattributed = unattributed(socks)
	}
	return res, err
}

// ownable reports whether s has no holder but a process could hold it.
func ownable(s *sockets.Socket) bool {
	if len(s.Processes) > 0 || s.Inode == 0 {
		return false
	}
	switch s.State {
	case sockets.TimeWait, sockets.SynRecv, sockets.NewSynRecv:
		return false
	}
	return true
}

// assign sets the sockets' Processes from what is known, records in
// s.missing the sockets a process could hold that no known process does
// (and that were not searched for already), and reports whether one of
// them was missing in the previous call too: only those are searched for.
//
// A socket missing for the first time is given one call's grace. Under
// churn, many sockets are closed between the listing and the reading of
// the fd tables: their holders were read again without them, and
// searching every table for them would cost what a full walk does, every
// call. A socket that is still listed, and still has no known holder, in
// the next call is searched for.
func (s *trackerState) assign(socks []sockets.Socket) (search bool) {
	s.missing = s.missing[:0]
	for i := range socks {
		sk := &socks[i]
		sk.Processes = s.processesOf(sk.Inode)
		if !ownable(sk) {
			continue
		}
		if _, known := s.unowned[sk.Inode]; known {
			continue
		}
		s.missing = append(s.missing, sk.Inode)
		search = search || s.wasMissing(sk.Inode)
	}
	return search
}

// wasMissing reports whether the previous call found no holder of ino.
func (s *trackerState) wasMissing(ino uint64) bool {
	_, ok := slices.BinarySearch(s.prevMissing, ino)
	return ok
}

// processesOf returns the holders of inode as Processes: sorted by PID,
// each process once with its lowest fd. The slice is shared by every
// call until the holders change; nobody may modify it.
func (s *trackerState) processesOf(ino uint64) []sockets.Process {
	if ino == 0 {
		return nil
	}
	if ps, ok := s.built[ino]; ok {
		return ps
	}
	hs := s.holders[ino]
	if len(hs) == 0 {
		return nil
	}
	ps := make([]sockets.Process, 0, len(hs))
	for _, h := range hs {
		if p := s.procs[h.pid]; p != nil && p.info != nil {
			ps = append(ps, sockets.Process{Info: p.info, FD: h.fd})
		}
	}
	slices.SortFunc(ps, func(a, b sockets.Process) int {
		return cmp.Or(cmp.Compare(a.Info.PID, b.Info.PID), cmp.Compare(a.FD, b.FD))
	})
	ps = slices.CompactFunc(ps, func(a, b sockets.Process) bool { return a.Info == b.Info })
	if len(ps) == 0 {
		ps = nil
	}
	ps = ps[:len(ps):len(ps)] // shared: an append must copy
	s.built[ino] = ps
	return ps
}

// fullWalk forgets everything and reads every fd table (as Scan does:
// through the kernel's iterator, or the parallel walk), then records each
// process's fd count.
func (s *trackerState) fullWalk(ctx context.Context, opts Options) error {
	h, err := scan(ctx, opts)
	if h == nil {
		return err
	}
	// The maps are emptied, not made again: their memory is reused, so
	// that a full walk every FullInterval does not grow the heap by their
	// size each time.
	if s.procs == nil {
		s.procs = make(map[int32]*tproc)
		s.holders = make(map[uint64][]fdHolder)
		s.built = make(map[uint64][]sockets.Process)
		s.unowned = make(map[uint64]struct{})
	}
	clear(s.procs)
	clear(s.holders)
	clear(s.built)
	clear(s.unowned)
	s.lastFull = time.Now()
	s.gen++
	for _, es := range h.ents {
		for _, e := range es {
			info := h.procs[e.proc]
			if info == nil {
				continue
			}
			p := s.procs[info.PID]
			if p == nil {
				p = &tproc{info: info, count: -1, gen: s.gen}
				s.procs[info.PID] = p
			}
			p.fds = append(p.fds, fdIno{e.fd, e.ino})
			s.holders[e.ino] = append(s.holders[e.ino], fdHolder{info.PID, e.fd})
		}
	}
	for _, p := range s.procs {
		slices.SortFunc(p.fds, func(a, b fdIno) int { return cmp.Compare(a.fd, b.fd) })
	}
	pids, lerr := s.listPIDs()
	if lerr != nil {
		return &os.PathError{Op: "getdents", Path: opts.Root, Err: lerr}
	}
	s.pids = pids
	for _, pid := range pids {
		p := s.procs[pid]
		if p == nil {
			// Holds no socket the walk saw, or could not be read: which,
			// the warning of unreadable processes needs to know.
			p = &tproc{gen: s.gen, denied: s.unreadable(pid)}
			s.procs[pid] = p
		}
		p.count = s.count(pid)
	}
	return err
}

// refresh brings the processes up to date where their fd counts moved,
// they are new, or they held a socket that went away.
func (s *trackerState) refresh() error {
	pids, err := s.listPIDs()
	if err != nil {
		return &os.PathError{Op: "getdents", Path: s.wk.opts.Root, Err: err}
	}
	s.pids = pids
	s.gen++
	// The holders of the sockets that went away, found through the
	// sockets (a few) rather than every process's fds (all of them).
	for _, ino := range s.gone {
		for _, h := range s.holders[ino] {
			if p := s.procs[h.pid]; p != nil {
				p.lost = s.gen
			}
		}
	}
	for _, pid := range pids {
		p := s.procs[pid]
		if p == nil {
			p = &tproc{count: -1}
			s.procs[pid] = p
		}
		p.gen = s.gen
		if p.denied {
			continue // until the next full walk
		}
		n := s.count(pid)
		if n != p.count || p.lost == s.gen || p.info != nil && s.renamed(pid, p.info.Name) {
			s.scan(pid, p, false)
		}
	}
	for pid, p := range s.procs {
		if p.gen != s.gen {
			s.setFDs(pid, p, nil)
			delete(s.procs, pid)
		}
	}
	return nil
}

// wentAway records in s.gone the sockets of the previous call that this
// one does not list.
func (s *trackerState) wentAway() {
	s.gone = s.gone[:0]
	prev, cur := s.prevLive, s.live
	for i, j := 0, 0; i < len(prev); {
		switch {
		case j == len(cur) || prev[i] < cur[j]:
			s.gone = append(s.gone, prev[i])
			i++
		case prev[i] > cur[j]:
			j++
		default:
			i++
			j++
		}
	}
}

// scanAll reads the new fds of every readable process, and those that
// were not sockets, since one may have been reused for a socket.
func (s *trackerState) scanAll() {
	for _, pid := range s.pids {
		if p := s.procs[pid]; p != nil && !p.denied {
			s.scan(pid, p, true)
		}
	}
}
