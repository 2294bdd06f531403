package procattr

import (
	"bytes"
	"cmp"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

// This file reads one process's fd table again for a Tracker, and keeps
// the holders of each socket up to date as tables change.

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
