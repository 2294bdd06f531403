package procattr

import (
	"io"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The hot loop to keep efficient is worker.probe (and worker.list, its
// fallback) and worker.see: one readlinkat per open fd on the machine, no
// lock, and an allocation only per block of maxBlock sockets recorded.
// Everything else runs once per process.
//
// Descriptors are read relative to a /proc/PID directory descriptor opened
// before anything else: if the process exits and its PID is reused during
// the walk, every *at call through the stale descriptor fails with ENOENT
// or ESRCH, so the new process is never read in place of the old one.

// maxFD is larger than any fd number (the kernel caps them at INT_MAX).
const maxFD = 1<<31 - 1

// scanStatus is the outcome of reading (part of) a fd table; a larger
// value wins when the outcomes of a split table's chunks are combined.
type scanStatus int32

const (
	scanOK     scanStatus = iota
	scanSparse            // too many unused fd numbers: list the rest instead
	scanFailed            // an unexpected error, recorded in walker.err
	scanDenied            // no permission (EACCES, EPERM)
	scanGone              // the process exited
)

// NUL-terminated names for the *at syscalls.
var (
	nameFD      = []byte("fd\x00")
	nameComm    = []byte("comm\x00")
	nameStat    = []byte("stat\x00")
	nameStatus  = []byte("status\x00")
	nameExe     = []byte("exe\x00")
	nameCmdline = []byte("cmdline\x00")
	nameCgroup  = []byte("cgroup\x00")
)

// worker walks processes and chunks handed out by its walker.
type worker struct {
	w          *walker
	ents       []entry   // the block being filled
	blocks     [][]entry // full blocks
	unreadable int
	processes  int
	held       bool      // the process or chunk being read holds a socket
	link       [64]byte  // readlink target; "socket:[N]" needs at most 29
	name       [12]byte  // a decimal fd or PID, NUL-terminated
	dents      []byte    // getdents buffer, allocated on first use
	file       []byte    // contents of a details file
	_          [64]uint8 // keep workers' hot fields on separate cache lines
}

func (k *worker) run() {
	for {
		proc, j, ok := k.w.take()
		if !ok {
			return
		}
		if j != nil {
			k.scanChunks(j)
		} else {
			k.scanProcess(proc)
		}
	}
}

// scanProcess opens process proc and reads its fd table, or splits the
// table into chunks if it is big.
func (k *worker) scanProcess(proc int32) {
	w := k.w
	pidfd, e := openat(w.rootfd, k.decimal(w.pids[proc]), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if e != 0 {
		w.opened(nil)
		k.done(proc, -1, k.errStatus(proc, "open", "", e), false)
		return
	}
	fdfd, e := openat(pidfd, &nameFD[0], unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if e != 0 {
		w.opened(nil)
		st := k.errStatus(proc, "open", "fd", e)
		if st == scanDenied && k.kernelThread(pidfd) {
			st = scanOK // it has no fds: not worth a warning
		}
		k.done(proc, -1, st, false)
		unix.Close(pidfd)
		return
	}
	count := -1 // unknown
	if w.counts {
		var st unix.Stat_t
		if unix.Fstat(fdfd, &st) == nil && st.Size >= 0 && st.Size < maxFD {
			count = int(st.Size) // 0: kernel thread, zombie
		}
	}
	if count > w.splitAt && w.nworkers > 1 {
		k.scanChunks(w.split(proc, pidfd, fdfd, count))
		return
	}
	w.opened(nil)
	k.held = false
	var st scanStatus
	if count >= 0 {
		// Fds are mostly dense from 0: probe numbers until count are
		// found, which saves listing the directory (~0.8 µs per fd).
		var next int32
		next, st = k.probe(proc, fdfd, 0, maxFD, count, 16+count/4)
		if st == scanSparse {
			st = k.list(proc, fdfd, next, maxFD)
		}
	} else {
		st = k.list(proc, fdfd, 0, maxFD)
	}
	k.done(proc, pidfd, st, k.held)
	unix.Close(fdfd)
	unix.Close(pidfd)
}

// scanChunks reads chunks of a split table until none is left unclaimed,
// or the walk is canceled.
func (k *worker) scanChunks(j *job) {
	for i := j.claim(); i >= 0; i = j.claim() {
		k.scanChunk(j, i)
		if k.w.ctx.Err() != nil {
			j.abandon()
			return
		}
	}
}

// scanChunk reads chunk i of a split table. The last chunk also lists the
// fds above its range (the table may extend past its fd count), and the
// worker that completes a job's last outstanding chunk finishes it.
func (k *worker) scanChunk(j *job, i int32) {
	lo, hi, last := i*j.size, (i+1)*j.size, i == j.nchunks-1
	k.held = false
	next, st := k.probe(j.proc, j.fdfd, lo, hi, -1, int(j.size)/4+16)
	if st == scanSparse || st == scanOK && last {
		to := hi
		if last {
			to = maxFD
		}
		st = k.listFresh(j, next, to)
	}
	if k.held {
		j.hit.Store(true)
	}
	for {
		old := j.status.Load()
		if int32(st) <= old || j.status.CompareAndSwap(old, int32(st)) {
			break
		}
	}
	if j.refs.Add(-1) == 0 {
		k.done(j.proc, j.pidfd, scanStatus(j.status.Load()), j.hit.Load())
		j.close()
	}
}

// done accounts for a process whose table was read with status st and
// loads it if it holds a socket.
func (k *worker) done(proc int32, pidfd int, st scanStatus, held bool) {
	switch st {
	case scanGone:
		return
	case scanDenied, scanFailed:
		k.unreadable++
	}
	k.processes++
	if held && pidfd >= 0 {
		k.finish(proc, pidfd)
	}
}

// probe reads the links of fds lo, lo+1, … in the table dirfd until it has
// found want of them (want < 0: no limit) or reached hi, and returns the
// next fd number. It returns scanSparse once more than budget numbers were
// unused.
func (k *worker) probe(proc int32, dirfd int, lo, hi int32, want, budget int) (int32, scanStatus) {
	found, holes := 0, 0
	fd := lo
	for ; fd < hi && found != want; fd++ {
		n, e := readlinkat(dirfd, k.decimal(fd), k.link[:])
		switch e {
		case 0:
			found++
			k.see(proc, fd, k.link[:n])
		case unix.ENOENT:
			if holes++; holes > budget {
				return fd + 1, scanSparse
			}
		default:
			return fd, k.errStatus(proc, "readlinkat", "fd/"+strconv.Itoa(int(fd)), e)
		}
	}
	return fd, scanOK
}

// list reads the links of the fds in [lo, hi) found by listing the table
// dirfd (getdents). On procfs, entries come in fd order from the offset
// lo+2; other directories (fixtures) are read whole.
func (k *worker) list(proc int32, dirfd int, lo, hi int32) scanStatus {
	if k.dents == nil {
		k.dents = make([]byte, dentsBufSize)
	}
	if lo > 0 {
		if _, err := unix.Seek(dirfd, int64(lo)+2, io.SeekStart); err != nil {
			return k.errStatus(proc, "seek", "fd", errno(err))
		}
	}
	for {
		n, err := unix.Getdents(dirfd, k.dents)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return k.errStatus(proc, "getdents", "fd", errno(err))
		}
		if n <= 0 {
			return scanOK
		}
		for off := 0; off < n; {
			name, nameOff, next := dirent(k.dents[:n], off)
			if next <= off {
				return k.errStatus(proc, "getdents", "fd", unix.EBADMSG)
			}
			off = next
			fd, ok := parseFD(name)
			if !ok || fd < lo {
				continue
			}
			if fd >= hi {
				return scanOK
			}
			rn, e := readlinkat(dirfd, &k.dents[nameOff], k.link[:])
			switch e {
			case 0:
				k.see(proc, fd, k.link[:rn])
			case unix.ENOENT: // closed since listed
			default:
				return k.errStatus(proc, "readlinkat", "fd/"+string(name), e)
			}
		}
	}
}

// listFresh lists [lo, hi) of a split table through a descriptor of its
// own, since the job's descriptor has one file offset for all workers.
func (k *worker) listFresh(j *job, lo, hi int32) scanStatus {
	fd, e := openat(j.pidfd, &nameFD[0], unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if e != 0 {
		return k.errStatus(j.proc, "open", "fd", e)
	}
	st := k.list(j.proc, fd, lo, hi)
	unix.Close(fd)
	return st
}

// see records the socket that the fd link target names, if any.
//
// Hot path: called for every fd. It does not look the inode up: the
// lookups are cheaper done afterwards, all at once (see attribute).
func (k *worker) see(proc, fd int32, link []byte) {
	ino, ok := socketInode(link)
	if !ok {
		return
	}
	if len(k.ents) == cap(k.ents) {
		k.newBlock()
	}
	k.ents = append(k.ents, entry{ino: ino, proc: proc, fd: fd})
	k.held = true
}

// newBlock puts the full block aside and starts one twice as big, up to
// maxBlock entries. Blocks are never copied or grown in place, so no
// garbage is left behind.
func (k *worker) newBlock() {
	n := firstBlock
	if cap(k.ents) > 0 {
		k.blocks = append(k.blocks, k.ents)
		n = min(maxBlock, 2*cap(k.ents))
	}
	k.ents = make([]entry, 0, n)
}

// errStatus classifies a failed syscall on process proc, recording
// unexpected errors.
func (k *worker) errStatus(proc int32, op, sub string, e unix.Errno) scanStatus {
	switch e {
	case unix.ENOENT, unix.ESRCH:
		return scanGone
	case unix.EACCES, unix.EPERM:
		return scanDenied
	}
	k.w.fail(k.w.pathError(op, proc, sub, e))
	return scanFailed
}

// decimal writes v in decimal, NUL-terminated, into k.name and returns a
// pointer to it for an *at syscall.
func (k *worker) decimal(v int32) *byte {
	i := len(k.name) - 1
	k.name[i] = 0
	u := uint32(v)
	for {
		i--
		k.name[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			return &k.name[i]
		}
	}
}

func openat(dirfd int, name *byte, flags int) (int, unix.Errno) {
	for {
		fd, _, e := unix.Syscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(name)), uintptr(flags), 0, 0, 0)
		if e != unix.EINTR {
			return int(fd), e
		}
	}
}

func readlinkat(dirfd int, name *byte, buf []byte) (int, unix.Errno) {
	for {
		n, _, e := unix.Syscall6(unix.SYS_READLINKAT, uintptr(dirfd), uintptr(unsafe.Pointer(name)),
			uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0)
		if e != unix.EINTR {
			return int(n), e
		}
	}
}

// errno returns the Errno inside err, or EIO.
func errno(err error) unix.Errno {
	if e, ok := err.(unix.Errno); ok {
		return e
	}
	return unix.EIO
}

func itoa(v int32) string { return strconv.Itoa(int(v)) }
