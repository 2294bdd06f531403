package procattr

import (
	"bytes"
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
	FullInterval    = 30 * time.Second
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
	gone     map[uint64]struct{}
	live     []uint64 // the inodes of the sockets of this call, sorted
	prevLive []uint64 // and of the previous call
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
		s.wk = walker{opts: t.opts, rootfd: fd, users: systemUsers}
		if t.opts.passwd != defaultPasswd {
			s.wk.users = &userDB{path: t.opts.passwd}
		}
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
	slices.Sort(s.live)
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

// fullWalk forgets everything and walks every fd table (the parallel
// walk of Attribute), then records each process's fd count.
func (s *trackerState) fullWalk(ctx context.Context, opts Options) error {
	h, err := walk(ctx, opts, false)
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
		if n != p.count || s.holdsGone(p) || p.info != nil && s.renamed(pid, p.info.Name) {
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
	if s.gone == nil {
		s.gone = make(map[uint64]struct{})
	}
	clear(s.gone)
	prev, cur := s.prevLive, s.live
	for i, j := 0, 0; i < len(prev); {
		switch {
		case j == len(cur) || prev[i] < cur[j]:
			s.gone[prev[i]] = struct{}{}
			i++
		case prev[i] > cur[j]:
			j++
		default:
			i++
			j++
		}
	}
}

// holdsGone reports whether p held a socket that went away.
func (s *trackerState) holdsGone(p *tproc) bool {
	if len(s.gone) == 0 {
		return false
	}
	for _, f := range p.fds {
		if _, ok := s.gone[f.ino]; ok && f.ino != 0 {
			return true
		}
	}
	return false
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

// unreadable reports whether process pid's fd table cannot be read
// (another user's, without privilege); a kernel thread's, which holds no
// fds, does not count, as in a full walk.
func (s *trackerState) unreadable(pid int32) bool {
	k := &s.k
	pidfd, e := openat(s.rootfd, k.decimal(pid), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if e != 0 {
		return false
	}
	defer unix.Close(pidfd)
	fdfd, e := openat(pidfd, &nameFD[0], unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if e == 0 {
		unix.Close(fdfd)
		return false
	}
	return (e == unix.EACCES || e == unix.EPERM) && !k.kernelThread(pidfd)
}

// count returns the number of fds of process pid, -1 if it cannot tell.
func (s *trackerState) count(pid int32) int {
	var st unix.Stat_t
	if unix.Fstatat(s.rootfd, itoa(pid)+"/fd", &st, 0) != nil {
		return -1
	}
	return int(st.Size)
}

// scan reads process pid's fd table again: the link of every fd it did
// not have, or whose socket went away, and with others of every fd that
// was not a socket. A process it cannot read keeps what was known.
func (s *trackerState) scan(pid int32, p *tproc, others bool) {
	k := &s.k
	pidfd, e := openat(s.rootfd, k.decimal(pid), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if e != 0 {
		return
	}
	defer unix.Close(pidfd)
	fdfd, e := openat(pidfd, &nameFD[0], unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if e != 0 {
		p.denied = (e == unix.EACCES || e == unix.EPERM) && !k.kernelThread(pidfd)
		return
	}
	defer unix.Close(fdfd)
	var st unix.Stat_t
	if unix.Fstat(fdfd, &st) == nil {
		p.count = int(st.Size)
	}
	old := p.fds
	fds := make([]fdIno, 0, max(p.count, len(old)))
	buf := s.dents()
	j := 0 // next entry of old to compare
	for {
		n, err := unix.Getdents(fdfd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			break
		}
		for off := 0; off < n; {
			name, nameOff, next := dirent(buf[:n], off)
			if next <= off {
				break
			}
			off = next
			fd, ok := parseFD(name)
			if !ok {
				continue
			}
			for j < len(old) && old[j].fd < fd {
				j++
			}
			if j < len(old) && old[j].fd == fd && s.trusted(old[j].ino, others) {
				fds = append(fds, old[j])
				continue
			}
			ln, e := readlinkat(fdfd, &buf[nameOff], k.link[:])
			if e != 0 {
				continue // closed since listed
			}
			ino, _ := socketInode(k.link[:ln])
			fds = append(fds, fdIno{fd, ino})
		}
	}
	slices.SortFunc(fds, func(a, b fdIno) int { return cmp.Compare(a.fd, b.fd) })
	if p.info != nil && s.renamedAt(pidfd, p.info.Name) {
		// It ran another program (exec keeps the PID and the fds not
		// marked close-on-exec), or its PID was reused: load it again,
		// and the lists of holders that point to the old one.
		p.info = nil
		for _, f := range p.fds {
			delete(s.built, f.ino)
		}
	}
	if p.info == nil && slices.ContainsFunc(fds, func(f fdIno) bool { return f.ino != 0 }) {
		s.wk.pids, s.wk.procs = []int32{pid}, []*sockets.ProcessInfo{nil}
		k.finish(0, pidfd)
		p.info = s.wk.procs[0]
	}
	s.setFDs(pid, p, fds)
}

// renamed reports whether process pid, which holds sockets, is no longer
// called name (comm): it ran another program, which keeps the PID and
// the fds not marked close-on-exec, and need not move the fd count. One
// read per such process per call.
func (s *trackerState) renamed(pid int32, name string) bool {
	pidfd, e := openat(s.rootfd, s.k.decimal(pid), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if e != 0 {
		return false
	}
	defer unix.Close(pidfd)
	return s.renamedAt(pidfd, name)
}

// renamedAt is renamed for the process open as pidfd.
func (s *trackerState) renamedAt(pidfd int, name string) bool {
	b, e := s.k.readAt(pidfd, nameComm)
	if e != 0 {
		return false
	}
	return string(bytes.TrimSuffix(b, []byte{'\n'})) != name
}

// trusted reports whether a known fd's link need not be read again: it
// holds a socket listed in this call, or (unless others) is no socket. A
// socket not listed may have been closed and its fd number reused, even
// if it was never listed (opened and closed between two calls); one a
// filtered listing leaves out is read again too, which costs a readlink.
func (s *trackerState) trusted(ino uint64, others bool) bool {
	if ino == 0 {
		return !others
	}
	_, live := slices.BinarySearch(s.live, ino)
	return live
}

// setFDs replaces p's fds, updating the holders of every socket that
// gained or lost p as a holder.
func (s *trackerState) setFDs(pid int32, p *tproc, fds []fdIno) {
	old := p.fds
	i, j := 0, 0
	for i < len(old) || j < len(fds) {
		switch {
		case j == len(fds) || i < len(old) && old[i].fd < fds[j].fd:
			s.dropHolder(old[i].ino, pid, old[i].fd)
			i++
		case i == len(old) || fds[j].fd < old[i].fd:
			s.addHolder(fds[j].ino, pid, fds[j].fd)
			j++
		default:
			if old[i].ino != fds[j].ino {
				s.dropHolder(old[i].ino, pid, old[i].fd)
				s.addHolder(fds[j].ino, pid, fds[j].fd)
			}
			i++
			j++
		}
	}
	p.fds = fds
}

func (s *trackerState) addHolder(ino uint64, pid, fd int32) {
	if ino == 0 {
		return
	}
	s.holders[ino] = append(s.holders[ino], fdHolder{pid, fd})
	delete(s.built, ino)
	delete(s.unowned, ino)
}

func (s *trackerState) dropHolder(ino uint64, pid, fd int32) {
	if ino == 0 {
		return
	}
	hs := slices.DeleteFunc(s.holders[ino], func(h fdHolder) bool { return h.pid == pid && h.fd == fd })
	if len(hs) == 0 {
		delete(s.holders, ino)
	} else {
		s.holders[ino] = hs
	}
	delete(s.built, ino)
}

// listPIDs lists the processes, from the start of the directory: the
// descriptor is kept open from call to call.
func (s *trackerState) listPIDs() ([]int32, error) {
	if _, err := unix.Seek(s.rootfd, 0, 0); err != nil {
		return nil, err
	}
	return listPIDs(s.rootfd, s.dents())
}

// dents returns the getdents buffer.
func (s *trackerState) dents() []byte {
	if s.k.dents == nil {
		s.k.dents = make([]byte, dentsBufSize)
	}
	return s.k.dents
}
