package procattr

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

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
	}, []string{"bpf_iter_task_file"})
	if err != nil {
		k.err = err
		return
	}
	last, err := bpfMapCreate()
	if err != nil {
		k.err = fmt.Errorf("creating the task_file iterator's map: %w", err)
		return
	}
	defer unix.Close(last) // the program holds it
	insns := iterProgram(last, iterOffsets{leader: offs[0], threadPID: offs[1], start: offs[2], comm: offs[3],
		pidLevel: offs[4], numbers: offs[5], nr: offs[6], upidSize: offs[7] + 8, // a upid is an int and a pointer
		inode: offs[8], mode: offs[9], ino: offs[10]})
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

// bpf calls the bpf system call with the attribute struct attr.
func bpf[T any](cmd int, attr *T) (int, error) {
	for {
		fd, _, e := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(unsafe.Pointer(attr)), unsafe.Sizeof(*attr))
		switch e {
		case 0:
			return int(fd), nil
		case unix.EINTR, unix.EAGAIN:
			continue
		}
		return -1, e
	}
}

// bpfMapCreate creates the program's map: an array of one u64.
func bpfMapCreate() (int, error) {
	attr := struct{ mapType, keySize, valueSize, maxEntries, flags uint32 }{unix.BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0}
	return bpf(unix.BPF_MAP_CREATE, &attr)
}

// bpfProgLoad loads insns as a task_file iterator program; btfID is
// bpf_iter_task_file's BTF ID. The verifier's log is asked for only when
// the first load fails, to say why.
func bpfProgLoad(insns asm.Instructions, btfID uint32) (int, error) {
	if err := resolveJumps(insns); err != nil {
		return -1, err
	}
	// cilium/ebpf's asm takes the two named orders, not NativeEndian.
	var order binary.ByteOrder = binary.LittleEndian
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		order = binary.BigEndian
	}
	var code bytes.Buffer
	if err := insns.Marshal(&code, order); err != nil {
		return -1, err
	}
	license := []byte("Dual MIT/GPL\x00")
	attr := struct {
		progType, insnCnt                  uint32
		insns, license                     uint64
		logLevel, logSize                  uint32
		logBuf                             uint64
		kernVersion, progFlags             uint32
		name                               [16]byte
		ifindex, expectedAttachType, btfFD uint32
		funcInfoRecSize                    uint32
		funcInfo                           uint64
		funcInfoCnt, lineInfoRecSize       uint32
		lineInfo                           uint64
		lineInfoCnt, attachBTFID           uint32
		attachProgFD, _                    uint32
	}{
		progType:           unix.BPF_PROG_TYPE_TRACING,
		insnCnt:            uint32(code.Len() / asm.InstructionSize),
		insns:              uint64(uintptr(unsafe.Pointer(&code.Bytes()[0]))),
		license:            uint64(uintptr(unsafe.Pointer(&license[0]))),
		expectedAttachType: unix.BPF_TRACE_ITER,
		attachBTFID:        btfID,
	}
	copy(attr.name[:], "sockscope_fds")
	fd, err := bpf(unix.BPF_PROG_LOAD, &attr)
	if err == nil {
		return fd, nil
	}
	log := make([]byte, 64<<10)
	attr.logLevel, attr.logSize, attr.logBuf = 1, uint32(len(log)), uint64(uintptr(unsafe.Pointer(&log[0])))
	if _, err2 := bpf(unix.BPF_PROG_LOAD, &attr); err2 != nil {
		if n := bytes.IndexByte(log, 0); n > 0 {
			lines := strings.Split(strings.TrimSpace(string(log[:n])), "\n")
			return -1, fmt.Errorf("%w: %s", err, lines[len(lines)-1])
		}
	}
	return -1, err
}

// resolveJumps sets the offset of every jump to the instruction its label
// names (in 8-byte slots; a 64-bit immediate load takes two).
func resolveJumps(insns asm.Instructions) error {
	at := make(map[string]int16)
	slot := int16(0)
	for _, ins := range insns {
		if sym := ins.Symbol(); sym != "" {
			at[sym] = slot
		}
		slot += int16(ins.Size() / asm.InstructionSize)
	}
	slot = 0
	for i := range insns {
		ins := &insns[i]
		if ins.OpCode.JumpOp() != asm.InvalidJumpOp && ins.OpCode.JumpOp() != asm.Call && ins.OpCode.JumpOp() != asm.Exit {
			to, ok := at[ins.Reference()]
			if !ok {
				return fmt.Errorf("jump to unknown label %q", ins.Reference())
			}
			ins.Offset = to - slot - 1
		}
		slot += int16(ins.Size() / asm.InstructionSize)
	}
	return nil
}

// bpfLinkCreate attaches prog to its iterator.
func bpfLinkCreate(prog int) (int, error) {
	attr := struct {
		progFD, targetFD, attachType, flags uint32
		iterInfo                            uint64
		iterInfoLen, _                      uint32
	}{progFD: uint32(prog), attachType: unix.BPF_TRACE_ITER}
	return bpf(unix.BPF_LINK_CREATE, &attr)
}

// bpfIterCreate opens a new read of the iterator.
func bpfIterCreate(link int) (*os.File, error) {
	attr := struct{ linkFD, flags uint32 }{uint32(link), 0}
	fd, err := bpf(unix.BPF_ITER_CREATE, &attr)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "bpf_iter_task_file"), nil
}

// iterOffsets are the kernel struct members the program reads.
type iterOffsets struct {
	leader, threadPID, start, comm int32 // task_struct
	pidLevel, numbers              int32 // struct pid
	nr, upidSize                   int32 // struct upid
	inode                          int32 // file.f_inode
	mode, ino                      int32 // inode.i_mode, i_ino
}

// iterProgram is the program, in BPF assembly. Its context is struct
// bpf_iter__task_file: meta at 0, task at 8, fd (u32) at 16, file at 24.
//
// For the first file of a task it writes a process record: the PID of
// the task's thread group in the reader's PID namespace (the one the
// iterator visits: thread_pid->numbers[level].nr of the group leader,
// level being the reader's own), the leader's start time, and the task's
// name. The map last (one u64) holds the task of the last process record
// written. A record that found the output buffer full is written again
// with everything else of its file (the kernel shows the file again after
// the reader took what was there), so the map is cleared when a write
// fails; the first file of a read (meta->seq_num 0) starts afresh. For a
// socket (S_IFSOCK in its inode's mode) it writes the fd and the inode.
func iterProgram(last int, o iterOffsets) asm.Instructions {
	const (
		procRec = -40 // the process record on the stack
		sockRec = -56 // the socket record
		spill   = -64 // the map value's address
		ptr     = -72 // a pointer read as a number
	)
	return asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1),
		asm.LoadMem(asm.R7, asm.R6, 8, asm.DWord), // task
		asm.JEq.Imm(asm.R7, 0, "out"),
		asm.LoadMem(asm.R8, asm.R6, 24, asm.DWord), // file
		asm.JEq.Imm(asm.R8, 0, "out"),

		// A new task? Compare with the last one written.
		asm.LoadMapValue(asm.R0, last, 0), // the value's address: no lookup call
		asm.StoreMem(asm.RFP, spill, asm.R0, asm.DWord),
		asm.LoadMem(asm.R2, asm.R6, 0, asm.DWord),  // meta
		asm.LoadMem(asm.R2, asm.R2, 16, asm.DWord), // meta->seq_num
		asm.JEq.Imm(asm.R2, 0, "proc"),
		asm.LoadMem(asm.R2, asm.R0, 0, asm.DWord),
		asm.JEq.Reg(asm.R2, asm.R7, "file"),

		// The reader's level, and the leader's PID at that level (a
		// task of the namespace has a PID at least that deep).
		asm.FnGetCurrentTaskBtf.Call().WithSymbol("proc"),
		asm.LoadMem(asm.R1, asm.R0, int16(o.threadPID), asm.DWord),
		asm.LoadMem(asm.R9, asm.R1, int16(o.pidLevel), asm.Word),
		asm.LoadMem(asm.R1, asm.R7, int16(o.leader), asm.DWord),
		asm.LoadMem(asm.R1, asm.R1, int16(o.threadPID), asm.DWord),
		asm.LoadMem(asm.R2, asm.R1, int16(o.pidLevel), asm.Word),
		asm.JLT.Reg(asm.R2, asm.R9, "out"),
		asm.LoadMem(asm.R3, asm.R7, int16(o.leader), asm.DWord),
		asm.Add.Imm(asm.R3, o.threadPID),
		asm.Mov.Reg(asm.R1, asm.RFP),
		asm.Add.Imm(asm.R1, ptr),
		asm.Mov.Imm(asm.R2, 8),
		asm.FnProbeReadKernel.Call(),
		asm.JNE.Imm(asm.R0, 0, "out"),
		asm.LoadMem(asm.R3, asm.RFP, ptr, asm.DWord),
		asm.Mul.Imm(asm.R9, o.upidSize),
		asm.Add.Reg(asm.R3, asm.R9),
		asm.Add.Imm(asm.R3, o.numbers+o.nr),
		asm.Mov.Reg(asm.R1, asm.RFP),
		asm.Add.Imm(asm.R1, procRec+4),
		asm.Mov.Imm(asm.R2, 4),
		asm.FnProbeReadKernel.Call(),
		asm.JNE.Imm(asm.R0, 0, "out"),

		// The rest of the process record: kind, start, name.
		asm.StoreImm(asm.RFP, procRec, iterKindProc, asm.Word),
		asm.LoadMem(asm.R1, asm.R7, int16(o.leader), asm.DWord),
		asm.LoadMem(asm.R1, asm.R1, int16(o.start), asm.DWord),
		asm.StoreMem(asm.RFP, procRec+8, asm.R1, asm.DWord),
		asm.Mov.Reg(asm.R1, asm.RFP),
		asm.Add.Imm(asm.R1, procRec+16),
		asm.Mov.Imm(asm.R2, 16),
		asm.Mov.Reg(asm.R3, asm.R7),
		asm.Add.Imm(asm.R3, o.comm),
		asm.FnProbeReadKernel.Call(),
		asm.LoadMem(asm.R1, asm.R6, 0, asm.DWord), // meta
		asm.LoadMem(asm.R1, asm.R1, 0, asm.DWord), // meta->seq
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, procRec),
		asm.Mov.Imm(asm.R3, iterProcSize),
		asm.FnSeqWrite.Call(),
		asm.JNE.Imm(asm.R0, 0, "full"),
		asm.LoadMem(asm.R1, asm.RFP, spill, asm.DWord),
		asm.StoreMem(asm.R1, 0, asm.R7, asm.DWord),

		// A socket?
		asm.LoadMem(asm.R1, asm.R8, int16(o.inode), asm.DWord).WithSymbol("file"),
		asm.LoadMem(asm.R2, asm.R1, int16(o.mode), asm.Half),
		asm.And.Imm(asm.R2, 0xf000),
		asm.JNE.Imm(asm.R2, 0xc000, "out"),
		asm.LoadMem(asm.R3, asm.R1, int16(o.ino), asm.DWord),
		asm.StoreImm(asm.RFP, sockRec, iterKindSock, asm.Word),
		asm.LoadMem(asm.R2, asm.R6, 16, asm.Word), // fd
		asm.StoreMem(asm.RFP, sockRec+4, asm.R2, asm.Word),
		asm.StoreMem(asm.RFP, sockRec+8, asm.R3, asm.DWord),
		asm.LoadMem(asm.R1, asm.R6, 0, asm.DWord),
		asm.LoadMem(asm.R1, asm.R1, 0, asm.DWord),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, sockRec),
		asm.Mov.Imm(asm.R3, iterSockSize),
		asm.FnSeqWrite.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),

		// The buffer was full: this file comes again, its process
		// record with it.
		asm.LoadMem(asm.R1, asm.RFP, spill, asm.DWord).WithSymbol("full"),
		asm.Mov.Imm(asm.R2, 0),
		asm.StoreMem(asm.R1, 0, asm.R2, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
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
	err = loadHeld(opts, procs, held, h.procs)
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
		err = cmpOr(err, werr)
	}
	return h, true, err
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
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
		if errors.Is(err, io.EOF) || n == 0 && err == nil {
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
// iterator saw (same start time; a PID reused since is skipped, as the
// walk skips it).
func loadHeld(opts Options, seen []iterProc, held []bool, procs []*sockets.ProcessInfo) error {
	if !opts.Details {
		for i, p := range seen {
			if held[i] {
				procs[i] = &sockets.ProcessInfo{PID: p.pid, Name: p.comm}
			}
		}
		return nil
	}
	rootfd, err := unix.Open(opts.Root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: opts.Root, Err: err}
	}
	defer unix.Close(rootfd)
	users := systemUsers
	if opts.passwd != defaultPasswd {
		users = &userDB{path: opts.passwd}
	}
	w := &walker{opts: opts, rootfd: rootfd, users: users, pids: make([]int32, len(seen)), procs: procs}
	for i, p := range seen {
		w.pids[i] = p.pid
	}
	k := &worker{w: w}
	for i, p := range seen {
		if !held[i] {
			continue
		}
		pidfd, e := openat(rootfd, k.decimal(p.pid), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC)
		if e != 0 {
			continue // exited
		}
		if b, e := k.readAt(pidfd, nameStat); e == 0 {
			if start, ok := parseStartTime(b); ok && start == p.start/nsPerTick {
				k.finish(int32(i), pidfd)
			}
		}
		unix.Close(pidfd)
	}
	return w.err
}

// nsPerTick is the length of the clock tick (USER_HZ, 100 on every Linux)
// in which /proc/PID/stat gives a start time, in ns.
const nsPerTick = 10_000_000
