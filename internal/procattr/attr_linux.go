package procattr

import (
	"context"
	"encoding/binary"
	"os"
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

// This file sets up the walk of /proc and hands processes and pieces of
// big fd tables to the workers; scan_linux.go holds the per-fd hot loop.

const (
	// defaultSplitAt is the fd count above which a process's table is cut
	// into chunks the workers share, so that one process holding most of
	// the machine's sockets does not leave the other cores idle.
	defaultSplitAt = 4096
	// dentsBufSize is the getdents buffer of a worker: ~1300 entries.
	dentsBufSize = 32 << 10
	// firstBlock and maxBlock bound the entries of a worker's blocks of
	// holders (16 bytes each): blocks double from 4 KiB to 64 KiB, and are
	// never copied.
	firstBlock = 256
	maxBlock   = 4096
)

// tuning is embedded in Options; tests use it to force each code path.
type tuning struct {
	// noCount makes the walk list every fd directory instead of probing
	// fd numbers up to the count procfs reports.
	noCount bool
	// noIter makes Scan walk /proc even where the kernel's task_file
	// iterator could be used.
	noIter bool
	// splitAt overrides defaultSplitAt.
	splitAt int
}

// walker is the state of one walk shared by its workers.
type walker struct {
	ctx      context.Context
	opts     Options
	rootfd   int
	counts   bool // the size of Root/PID/fd is the number of fds (procfs, Linux 6.2+)
	pids     []int32
	procs    []*sockets.ProcessInfo // by pid index; set by the worker that finishes it
	users    *userDB
	splitAt  int
	chunk    int32 // fds per chunk of a split table
	nworkers int

	// The work, guarded by mu; cond signals a new job or the end.
	mu      sync.Mutex
	cond    sync.Cond
	jobs    []*job // split tables that may have unclaimed chunks
	next    int    // next pid index to hand out
	opening int    // processes handed out and not yet known to be split or not
	err     error
	ctxErr  error
	over    chan struct{} // closed when take first returns false
	ended   bool          // over is closed
}

// job is a process whose fd table is split into chunks of fd numbers
// [i*size, (i+1)*size); the last chunk also lists every fd above its
// range. The worker that opened the process reads its chunks in order;
// other workers help only once no process is left to open, since two
// workers reading one table cost ~25% more CPU than two reading different
// tables (BenchmarkSplit). Chunks are claimed without a lock. The worker
// that completes the last chunk loads the process and closes its
// descriptors.
type job struct {
	proc    int32
	pidfd   int
	fdfd    int
	size    int32 // fds per chunk
	nchunks int32
	claimed atomic.Int32 // chunks handed out
	refs    atomic.Int32 // chunks not yet done
	hit     atomic.Bool
	status  atomic.Int32 // worst scanStatus of its chunks
}

// claim returns the index of an unread chunk of j, or -1.
func (j *job) claim() int32 {
	if j.claimed.Load() >= j.nchunks {
		return -1
	}
	if i := j.claimed.Add(1) - 1; i < j.nchunks {
		return i
	}
	return -1
}

// abandon gives up the chunks of j nobody claimed yet (the walk was
// canceled); the last chunk to go closes its descriptors.
func (j *job) abandon() {
	if old := j.claimed.Swap(j.nchunks); old < j.nchunks {
		if j.refs.Add(old-j.nchunks) == 0 {
			j.close()
		}
	}
}

// close closes the job's descriptors.
func (j *job) close() {
	unix.Close(j.fdfd)
	unix.Close(j.pidfd)
}

// attribute is Attribute on Linux, with the defaults of opts filled in:
// Scan, then the join. Recording every socket and joining afterwards costs
// 5–12% less CPU than looking each fd's inode up in an index of socks
// during the walk, as Attribute used to, even with the join and with
// processes holding only unwanted sockets loaded too (BenchmarkAttribute
// at 100k sockets, workers=2: 185 against 195 ms for farm5x20k, 379
// against 398 ms for farm200x500; 183 against 211 and 378 against 430 in
// an earlier run), and takes a third less memory: between two readlinks
// the kernel evicts the index from the cache, so every lookup missed.
func attribute(ctx context.Context, socks []sockets.Socket, opts Options) (Result, error) {
	dry := !slices.ContainsFunc(socks, func(s sockets.Socket) bool { return s.Inode != 0 })
	var h *Holders
	var err error
	if dry {
		h, err = walk(ctx, opts, true)
	} else {
		h, err = scan(ctx, opts)
	}
	if h == nil {
		return Result{}, err
	}
	return h.Attribute(socks), err
}

// scan is Scan on Linux, with the defaults of opts filled in.
func scan(ctx context.Context, opts Options) (*Holders, error) {
	if h, ok, err := scanIter(ctx, opts); ok {
		return h, err
	}
	return walk(ctx, opts, false)
}

// walk reads the fd table of every process under opts.Root and records
// every socket descriptor. It returns nil and the error if Root cannot be
// read or ctx is done, and otherwise the Holders with the first error
// reading a process, if any. If dry, it only checks that Root can be
// opened and returns empty Holders.
func walk(ctx context.Context, opts Options, dry bool) (*Holders, error) {
	return walkPIDs(ctx, opts, dry, nil)
}

// walkPIDs is walk over the processes pids (sorted) only, or every
// process if pids is nil.
func walkPIDs(ctx context.Context, opts Options, dry bool, pids []int32) (*Holders, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rootfd, err := unix.Open(opts.Root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: opts.Root, Err: err}
	}
	defer unix.Close(rootfd)
	if dry {
		return &Holders{}, nil
	}
	w := &walker{
		ctx:     ctx,
		opts:    opts,
		rootfd:  rootfd,
		users:   opts.users(),
		splitAt: defaultSplitAt,
	}
	w.cond.L = &w.mu
	if opts.splitAt > 0 {
		w.splitAt = opts.splitAt
	}
	w.chunk = int32(max(1, w.splitAt/4))
	w.counts = !opts.noCount && fdCounts(rootfd)
	dents := make([]byte, dentsBufSize)
	if w.pids = pids; pids == nil {
		if w.pids, err = listPIDs(rootfd, dents); err != nil {
			return nil, &os.PathError{Op: "getdents", Path: opts.Root, Err: err}
		}
	}
	w.procs = make([]*sockets.ProcessInfo, len(w.pids))

	workers := make([]*worker, max(1, min(opts.Workers, len(w.pids))))
	w.nworkers = len(workers)
	w.over = make(chan struct{})
	var wg sync.WaitGroup
	for i := range workers {
		k := &worker{w: w}
		if i == 0 {
			k.dents = dents
		}
		workers[i] = k
		if i == 0 || i < len(workers)-1 || opts.Busy == nil {
			wg.Go(k.run)
			continue
		}
		wg.Go(func() {
			// Leave a CPU to the caller's work until it is done.
			select {
			case <-opts.Busy:
				k.run()
			case <-w.over:
			}
		})
	}
	wg.Wait()
	if w.ctxErr != nil {
		return nil, w.ctxErr
	}

	h := &Holders{procs: w.procs}
	for _, k := range workers {
		h.ents = append(h.ents, k.blocks...)
		if len(k.ents) > 0 {
			h.ents = append(h.ents, k.ents)
		}
		h.res.Unreadable += k.unreadable
		h.res.Processes += k.processes
	}
	return h, w.err
}

// fdCounts reports whether the size of a fd directory under rootfd is its
// number of fds: rootfd is a procfs mount of a kernel that reports it
// (Linux 6.2+; before, the size is 0), as seen on the walking process's
// own table, which always holds a few fds. It reports false when Root is
// not procfs (fixtures) or belongs to another PID namespace.
func fdCounts(rootfd int) bool {
	var fs unix.Statfs_t
	if unix.Fstatfs(rootfd, &fs) != nil || fs.Type != unix.PROC_SUPER_MAGIC {
		return false
	}
	var st unix.Stat_t
	return unix.Fstatat(rootfd, "self/fd", &st, 0) == nil && st.Size > 0
}

// listPIDs returns the numeric entries of the directory rootfd, sorted.
func listPIDs(rootfd int, buf []byte) ([]int32, error) {
	pids := make([]int32, 0, 512)
	for {
		n, err := unix.Getdents(rootfd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			break
		}
		for off := 0; off < n; {
			name, _, next := dirent(buf[:n], off)
			if next <= off {
				break
			}
			off = next
			if pid, ok := parseFD(name); ok && pid > 0 {
				pids = append(pids, pid)
			}
		}
	}
	if !slices.IsSorted(pids) {
		slices.Sort(pids)
	}
	return pids, nil
}

// dirent decodes the linux_dirent64 record at off in buf: the name, the
// offset of its first byte (the name is NUL-terminated in buf, ready for
// an *at syscall), and the offset of the next record. next <= off means
// the buffer is malformed.
func dirent(buf []byte, off int) (name []byte, nameOff, next int) {
	const nameAt = 19 // d_ino u64, d_off s64, d_reclen u16, d_type u8
	if off+nameAt >= len(buf) {
		return nil, 0, off
	}
	reclen := int(binary.NativeEndian.Uint16(buf[off+16:]))
	if reclen <= nameAt || off+reclen > len(buf) {
		return nil, 0, off
	}
	rec := buf[off+nameAt : off+reclen]
	end := 0
	for end < len(rec) && rec[end] != 0 {
		end++
	}
	if end == len(rec) {
		return nil, 0, off // no NUL: not usable as a path
	}
	return rec[:end], off + nameAt, off + reclen
}

// take hands the calling worker the next piece of work: the index of a
// process to open or, once none is left, a split table to help read
// (j != nil). It waits while there is neither but some process is still
// being opened (it may be split), and returns false when the walk is over
// or ctx is done.
func (w *walker) take() (proc int32, j *job, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		if w.ctxErr == nil {
			w.ctxErr = w.ctx.Err()
		}
		if w.ctxErr != nil {
			for _, j := range w.jobs {
				j.abandon()
			}
			w.jobs = nil
			w.cond.Broadcast()
			w.end()
			return 0, nil, false
		}
		if w.next < len(w.pids) {
			w.next++
			w.opening++
			return int32(w.next - 1), nil, true
		}
		// Help with the table that has the most chunks left.
		var best *job
		var most int32
		live := w.jobs[:0]
		for _, j := range w.jobs {
			if left := j.nchunks - j.claimed.Load(); left > 0 {
				live = append(live, j)
				if left > most {
					best, most = j, left
				}
			}
		}
		clear(w.jobs[len(live):])
		w.jobs = live
		if best != nil {
			return 0, best, true
		}
		if w.opening == 0 {
			w.end()
			return 0, nil, false
		}
		w.cond.Wait()
	}
}

// end releases the workers held back by Options.Busy: the walk is over.
// It is called with w.mu held.
func (w *walker) end() {
	if !w.ended {
		w.ended = true
		close(w.over)
	}
}

// opened reports that a process handed out by take is open, publishing
// its table for others to help with if it was split (j != nil).
func (w *walker) opened(j *job) {
	w.mu.Lock()
	w.opening--
	if j != nil {
		if w.ctxErr == nil {
			w.jobs = append(w.jobs, j)
		} else {
			j.abandon()
		}
	}
	w.mu.Unlock()
	w.cond.Broadcast()
}

// fail records the first error that is not about privilege or exit.
func (w *walker) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
}

// split makes a job of a big table and publishes it. The job owns pidfd
// and fdfd from here on.
func (w *walker) split(proc int32, pidfd, fdfd int, count int) *job {
	j := &job{proc: proc, pidfd: pidfd, fdfd: fdfd, size: w.chunk, nchunks: (int32(count) + w.chunk - 1) / w.chunk}
	j.refs.Store(j.nchunks)
	w.opened(j)
	return j
}

// pathError builds the error for a failed syscall on Root/PID[/sub].
func (w *walker) pathError(op string, proc int32, sub string, e unix.Errno) error {
	p := w.opts.Root + "/" + itoa(w.pids[proc])
	if sub != "" {
		p += "/" + sub
	}
	return &os.PathError{Op: op, Path: p, Err: e}
}

// users is the user database opts name: the system's (read once per
// process, shared with UserName) unless a test gave its own file.
func (opts Options) users() *userDB {
	if opts.passwd != defaultPasswd {
		return &userDB{path: opts.passwd}
	}
	return systemUsers
}
