package procattr

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/kbtf"
	"github.com/sockscope/sockscope/internal/procfs"
	"github.com/sockscope/sockscope/internal/sockets"
)

// The kernel's task_file iterator visits every open file of every process
// (threads sharing their process's table once) in one read: a BPF program
// attached to it writes a record for each socket, and one for each
// process before its first file. That replaces one readlinkat per
// descriptor of the /proc walk (~1.5 µs of kernel time each) by a few
// dozen instructions, and needs root (CAP_BPF, CAP_PERFMON) and BTF.

// kernelIter is the iterator, loaded on first use and kept: loading
// costs the verifier's pass and the kernel BTF's lookups. mu serializes
// reads, since the program keeps its current task in a map.
var kernelIter struct {
	once sync.Once
	mu   sync.Mutex
	link int // the iterator's BPF link, from which each read opens an iterator
	err  error
}

// iterUsable reports whether the iterator may stand in for the walk of
// opts.Root: it is the default procfs, of this process's PID namespace
// (the iterator visits the tasks of that namespace and gives their PIDs
// there; /proc/self names this process by its getpid()), and
// SOCKSCOPE_NO_BPF is not set.
func iterUsable(opts Options) bool {
	if opts.noIter || os.Getenv("SOCKSCOPE_NO_BPF") != "" || opts.Root != procfs.Default().Path() {
		return false
	}
	self, err := os.Readlink(opts.Root + "/self")
	return err == nil && self == strconv.Itoa(os.Getpid())
}

// loadIter loads and attaches the iterator program once. It speaks to
// the bpf system call itself: cilium/ebpf would find the function the
// program attaches to by decoding the kernel's whole BTF, which costs a
// listing a quarter of a second; kbtf streams it in a few milliseconds.
func loadIter() {
	k := &kernelIter
	offs, ids, err := kbtf.Lookup([]kbtf.Member{
		{Struct: "task_struct", Name: "group_leader"}, {Struct: "task_struct", Name: "thread_pid"},
		{Struct: "task_struct", Name: "start_boottime"}, {Struct: "task_struct", Name: "comm"},
		{Struct: "pid", Name: "level"}, {Struct: "pid", Name: "numbers"}, {Struct: "upid", Name: "nr"}, {Struct: "upid", Name: "ns"},
		{Struct: "file", Name: "f_inode"}, {Struct: "inode", Name: "i_mode"}, {Struct: "inode", Name: "i_ino"},
		{Struct: "task_struct", Name: "files"},
	}, []string{"bpf_iter_task_file"})
	if err != nil {
		k.err = err
		return
	}
	for _, o := range offs {
		if o > 1<<15-1-8 { // an instruction's offset is 16 bits
			k.err = fmt.Errorf("a kernel struct member at offset %d, beyond what a BPF load can reach", o)
			return
		}
	}
	last, err := bpfMapCreate()
	if err != nil {
		k.err = fmt.Errorf("creating the task_file iterator's map: %w", err)
		return
	}
	defer unix.Close(last) // the program holds it
	insns := iterProgram(last, iterOffsets{leader: offs[0], threadPID: offs[1], start: offs[2], comm: offs[3],
		pidLevel: offs[4], numbers: offs[5], nr: offs[6], upidSize: offs[7] + 8, // a upid is an int and a pointer
		inode: offs[8], mode: offs[9], ino: offs[10], files: offs[11]})
	prog, err := bpfProgLoad(insns, ids[0])
	if err != nil {
		k.err = fmt.Errorf("loading the task_file iterator: %w", err)
		return
	}
	defer unix.Close(prog) // the link holds it
	if k.link, err = bpfLinkCreate(prog); err != nil {
		k.err = fmt.Errorf("attaching the task_file iterator: %w", err)
	}
}

// scanIter is Scan through the kernel's iterator; ok is false where it
// cannot be used (then the caller walks /proc).
func scanIter(ctx context.Context, opts Options) (h *Holders, ok bool, err error) {
	if !iterUsable(opts) {
		return nil, false, nil
	}
	k := &kernelIter
	k.once.Do(loadIter)
	if k.err != nil {
		return nil, false, nil
	}
	procs, ents, err := readIter(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, true, ctx.Err()
		}
		return nil, false, nil
	}
	h = &Holders{procs: make([]*sockets.ProcessInfo, len(procs))}
	h.res.Processes = len(procs)
	h.ents = ents
	held := make([]bool, len(procs))
	for _, es := range ents {
		for _, e := range es {
			held[e.proc] = true
		}
	}
	h.res.Unreadable, err = loadHeld(opts, procs, held, h.procs)
	// A process the iterator did not show (a security module may hide
	// one from it) is walked in /proc, as without the iterator, so that
	// owners are never lost and one that cannot be read is counted.
	unseen, uerr := unseenPIDs(opts.Root, procs)
	if uerr != nil {
		return nil, true, uerr
	}
	if len(unseen) > 0 {
		hw, werr := walkPIDs(ctx, opts, false, unseen)
		if hw == nil {
			return nil, true, werr
		}
		h.add(hw)
		err = cmp.Or(err, werr)
	}
	return h, true, err
}

// unseenPIDs returns the processes of root the iterator did not report
// (seen, sorted by PID) that have open files: by the size of their fd
// directory (Linux 6.2+), else every one (kernel threads among them,
// which the walk passes over cheaply).
func unseenPIDs(root string, seen []iterProc) ([]int32, error) {
	rootfd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: root, Err: err}
	}
	defer unix.Close(rootfd)
	pids, err := listPIDs(rootfd, make([]byte, dentsBufSize))
	if err != nil {
		return nil, &os.PathError{Op: "getdents", Path: root, Err: err}
	}
	counts := fdCounts(rootfd)
	var unseen []int32
	i := 0
	for _, pid := range pids {
		for i < len(seen) && seen[i].pid < pid {
			i++
		}
		if i < len(seen) && seen[i].pid == pid {
			continue
		}
		if counts {
			var st unix.Stat_t
			if unix.Fstatat(rootfd, itoa(pid)+"/fd", &st, 0) == nil && st.Size == 0 {
				continue // no files (a kernel thread, a zombie)
			}
		}
		unseen = append(unseen, pid)
	}
	return unseen, nil
}

// readIter reads the iterator once, whole.
func readIter(ctx context.Context) ([]iterProc, [][]entry, error) {
	k := &kernelIter
	k.mu.Lock()
	defer k.mu.Unlock()
	rd, err := bpfIterCreate(k.link)
	if err != nil {
		return nil, nil, err
	}
	defer rd.Close()
	d := newIterDecoder()
	buf := make([]byte, 64<<10)
	have := 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		n, err := rd.Read(buf[have:])
		have += n
		used, derr := d.feed(buf[:have])
		if derr != nil {
			return nil, nil, derr
		}
		have = copy(buf, buf[used:have])
		if errors.Is(err, io.EOF) {
			if have > 0 {
				return nil, nil, fmt.Errorf("%w: task_file iterator: %d bytes of a cut record at the end", errs.ErrMalformed, have)
			}
			break
		}
		if err != nil {
			return nil, nil, err
		}
	}
	procs, ents := d.finish()
	return procs, ents, nil
}

// loadHeld fills procs[i] for every process that holds a socket: its PID
// and name as the iterator saw them or, with Details, its data read
// through /proc/PID, once the process there is known to be the one the
// iterator saw (same start time, in this time namespace's boot time; a
// PID reused since is skipped, as the walk skips it). It returns how many
// such processes /proc would not let it read.
func loadHeld(opts Options, seen []iterProc, held []bool, procs []*sockets.ProcessInfo) (unreadable int, err error) {
	if !opts.Details {
		for i, p := range seen {
			if held[i] {
				procs[i] = &sockets.ProcessInfo{PID: p.pid, Name: p.comm}
			}
		}
		return 0, nil
	}
	rootfd, err := unix.Open(opts.Root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, &os.PathError{Op: "open", Path: opts.Root, Err: err}
	}
	defer unix.Close(rootfd)
	w := &walker{opts: opts, rootfd: rootfd, users: opts.users(), pids: make([]int32, len(seen)), procs: procs}
	for i, p := range seen {
		w.pids[i] = p.pid
	}
	// /proc shows start times in this time namespace's boot time.
	offset := int64(0)
	if b, err := os.ReadFile(opts.Root + "/self/timens_offsets"); err == nil {
		offset, _ = parseBoottimeOffset(b)
	}
	k := &worker{w: w}
	for i, p := range seen {
		if !held[i] {
			continue
		}
		pidfd, e := openat(rootfd, k.decimal(p.pid), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC)
		if e != 0 {
			if e == unix.EACCES || e == unix.EPERM {
				unreadable++
			}
			continue // else exited
		}
		// The start time is checked on the stat file finish reads anyway.
		want := uint64(int64(p.start)+offset) / nsPerTick
		k.finishIf(int32(i), pidfd, func(stat []byte) bool {
			start, ok := parseStartTime(stat)
			return ok && start == want
		})
		unix.Close(pidfd)
	}
	return unreadable, w.err
}

// nsPerTick is the length of the clock tick (USER_HZ, 100 on every Linux)
// in which /proc/PID/stat gives a start time, in ns.
const nsPerTick = 10_000_000
