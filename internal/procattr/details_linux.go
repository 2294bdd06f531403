package procattr

import (
	"bytes"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

// finish loads process proc, which holds a socket, through its
// /proc/PID descriptor pidfd and publishes it in walker.procs. It runs once
// per such process, right after its fd table was read, so the data comes
// from the same process (a reused PID fails through the stale pidfd).
//
// If the comm or stat file cannot be read, the process exited: it is left
// out, and so are its sockets. Other files that cannot be read (exe of
// another user's process, a kernel thread's empty cmdline) leave their
// fields empty; that is not an error. A malformed stat or status file
// (which the kernel does not produce) is recorded as the walk's error and
// its fields are left empty.
func (k *worker) finish(proc int32, pidfd int) { k.finishIf(proc, pidfd, nil) }

// finishIf is finish that, with Details, first asks accept (if not nil)
// whether the process's stat file is the one of the process wanted, and
// leaves it out if not.
func (k *worker) finishIf(proc int32, pidfd int, accept func(stat []byte) bool) {
	p := &sockets.ProcessInfo{PID: k.w.pids[proc]}
	if !k.w.opts.Details {
		b, e := k.readAt(pidfd, nameComm)
		if e != 0 {
			return
		}
		p.Name = string(bytes.TrimSuffix(b, []byte{'\n'}))
		k.w.procs[proc] = p
		return
	}

	b, e := k.readAt(pidfd, nameStat)
	if e != 0 || accept != nil && !accept(b) {
		return
	}
	if st, err := parseStat(b); err != nil {
		k.w.fail(err)
	} else {
		p.Name, p.PPID = st.Comm, st.PPID
	}
	if b, e := k.readAt(pidfd, nameStatus); e == 0 {
		if uid, err := parseStatusUID(b); err != nil {
			k.w.fail(err)
		} else {
			p.UID, p.User = uid, k.w.users.name(uid)
		}
	}
	if len(k.file) < 4096 {
		k.file = make([]byte, 4096)
	}
	// PATH_MAX is 4096 including the NUL: a longer link is an error.
	if n, e := readlinkat(pidfd, &nameExe[0], k.file); e == 0 && n < len(k.file) {
		p.Exe, p.ExeDeleted = trimDeleted(string(k.file[:n]))
	}
	if b, e := k.readAt(pidfd, nameCmdline); e == 0 {
		p.Cmdline = parseCmdline(b)
	}
	if b, e := k.readAt(pidfd, nameCgroup); e == 0 {
		cg := parseCgroup(b)
		p.Cgroup, p.Unit, p.Container = cg.Path, cg.Unit, cg.Container
	}
	k.w.procs[proc] = p
}

// readAt reads the file name (NUL-terminated) under dirfd whole into
// k.file, growing it as needed, and returns the contents, valid until the
// next call.
func (k *worker) readAt(dirfd int, name []byte) ([]byte, unix.Errno) {
	fd, e := openat(dirfd, &name[0], unix.O_RDONLY|unix.O_CLOEXEC)
	if e != 0 {
		return nil, e
	}
	defer unix.Close(fd)
	if k.file == nil {
		k.file = make([]byte, 4096)
	}
	n := 0
	for {
		if n == len(k.file) {
			k.file = append(k.file, make([]byte, len(k.file))...)
		}
		m, err := unix.Read(fd, k.file[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, errno(err)
		}
		if m == 0 {
			return k.file[:n], 0
		}
		n += m
	}
}

// kernelThread reports whether the process open as pidfd is a kernel
// thread, which holds no fds; it reports false if stat cannot be read.
// Only called for processes whose fd table is unreadable: as non-root,
// every kernel thread's is.
func (k *worker) kernelThread(pidfd int) bool {
	b, e := k.readAt(pidfd, nameStat)
	if e != 0 {
		return false
	}
	st, err := parseStat(b)
	return err == nil && st.Flags&pfKthread != 0
}
