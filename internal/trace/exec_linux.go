package trace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"github.com/sockscope/sockscope/internal/kbtf"
	"github.com/sockscope/sockscope/internal/procfs"
	"golang.org/x/sys/unix"
)

// A connection's exe is read from /proc when its event is read, up to
// ReadEvery later; a short-lived process (curl in a loop, a beacon run
// by cron) has exited by then, and /proc has nothing. So where the
// kernel has BTF, two more programs keep, for every process that
// executes a file while trace runs, the file (as /proc/PID/exe would
// name it, but as exec was given the path), its effective user and its
// cgroup, in a map of their own that the reader asks where /proc has
// nothing (ExecOf, CgroupPath). A process that forks without executing
// runs its parent's file: the fork's program copies the parent's entry
// to the child, or deletes the child's, so that a PID used again never
// carries an earlier process's file.

// execMembers are the members the exec programs read, in execOffsets's
// order.
var execMembers = []kbtf.Member{
	{Struct: "linux_binprm", Name: "interp"},
	{Struct: "task_struct", Name: "pid"}, {Struct: "task_struct", Name: "tgid"},
	{Struct: "task_struct", Name: "cred"}, {Struct: "cred", Name: "euid"},
}

// execOffsets are where the kernel keeps what the exec programs read;
// ok is false where one is missing (then they are not loaded).
type execOffsets struct {
	// interp is the file exec runs: the one exec was given, but for a
	// script (and binfmt_misc) its interpreter, the file /proc/PID/exe
	// names, so that a process's exe is the same whether it is read
	// from /proc or from the map.
	interp, pid, tgid int16
	// cred and euid are where the task's credentials and their
	// effective user are: /proc/PID's owner, which a setuid program
	// changes.
	cred, euid int16
	ok         bool
}

// execOffsetsFrom makes execOffsets of the offsets of execMembers (-1:
// not found).
func execOffsetsFrom(offs []int32) execOffsets {
	if len(offs) != len(execMembers) {
		return execOffsets{}
	}
	for _, o := range offs {
		if o < 0 || o > 1<<15-8 {
			return execOffsets{}
		}
	}
	return execOffsets{interp: int16(offs[0]), pid: int16(offs[1]), tgid: int16(offs[2]),
		cred: int16(offs[3]), euid: int16(offs[4]), ok: true}
}

// execEntries is how many processes the map "execs" keeps, the least
// recently used going first: 8,192, or 256 a CPU where more (an LRU map
// frees entries in batches of each CPU's, so that on many CPUs a map of
// few entries a CPU loses some early).
func execEntries() uint32 {
	n, err := ebpf.PossibleCPU()
	if err != nil || n < 32 {
		return 8192
	}
	return uint32(n) * 256
}

// Where the exec program builds an entry and its key in its stack
// frame.
const (
	stackExecEntry = -8 - execEntrySize
	stackExecKey   = -8
	stackForkKey   = -4
)

// execSpec is the collection of the exec programs and their map.
func execSpec(eo execOffsets) *ebpf.CollectionSpec {
	return &ebpf.CollectionSpec{
		Maps: map[string]*ebpf.MapSpec{
			"execs": {Type: ebpf.LRUHash, KeySize: 4, ValueSize: execEntrySize, MaxEntries: execEntries()},
		},
		Programs: map[string]*ebpf.ProgramSpec{
			"sched_process_exec": {Name: ProgramNameExec, Type: ebpf.Tracing, AttachType: ebpf.AttachTraceRawTp,
				AttachTo: "sched_process_exec", License: "Dual MIT/GPL", Instructions: execProgram(eo)},
			"sched_process_fork": {Name: ProgramNameFork, Type: ebpf.Tracing, AttachType: ebpf.AttachTraceRawTp,
				AttachTo: "sched_process_fork", License: "Dual MIT/GPL", Instructions: forkProgram(eo)},
		},
	}
}

// execProgram runs at every exec (the tracepoint's arguments: the task,
// its old PID, the linux_binprm): it keeps the file's path, the task's
// effective user and its cgroup for the current process.
func execProgram(eo execOffsets) asm.Instructions {
	ins := asm.Instructions{
		asm.LoadMem(asm.R6, asm.R1, 16, asm.DWord), // bprm
		asm.LoadMem(asm.R7, asm.R1, 0, asm.DWord),  // the task
		asm.FnGetCurrentPidTgid.Call(),
		asm.RSh.Imm(asm.R0, 32),
		asm.StoreMem(asm.RFP, stackExecKey, asm.R0, asm.Word),
	}
	// The path's bytes past its NUL are zeros, not what the stack held
	// before (the map is root's, but a fork copies them on).
	ins = append(ins, asm.Mov.Imm(asm.R1, 0))
	for off := int16(stackExecEntry); off < stackExecEntry+execEntrySize; off += 8 {
		ins = append(ins, asm.StoreMem(asm.RFP, off, asm.R1, asm.DWord))
	}
	return append(ins,
		// The credentials: the pointer is checked, where the kernel's BTF
		// tags it __rcu the verifier takes it for one that may be nil.
		asm.LoadMem(asm.R1, asm.R7, eo.cred, asm.DWord),
		asm.JEq.Imm(asm.R1, 0, "nocred"),
		asm.LoadMem(asm.R1, asm.R1, eo.euid, asm.Word),
		asm.StoreMem(asm.RFP, stackExecEntry+execUIDOff, asm.R1, asm.Word),
		asm.FnGetCurrentCgroupId.Call().WithSymbol("nocred"),
		asm.StoreMem(asm.RFP, stackExecEntry+execCgroupOff, asm.R0, asm.DWord),
		asm.Mov.Reg(asm.R1, asm.RFP),
		asm.Add.Imm(asm.R1, stackExecEntry+execPathOff),
		asm.Mov.Imm(asm.R2, execEntrySize-execPathOff),
		asm.LoadMem(asm.R3, asm.R6, eo.interp, asm.DWord),
		asm.FnProbeReadKernelStr.Call(), // zeroes the path where it fails
		asm.LoadMapPtr(asm.R1, 0).WithReference("execs"),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, stackExecKey),
		asm.Mov.Reg(asm.R3, asm.RFP),
		asm.Add.Imm(asm.R3, stackExecEntry),
		asm.Mov.Imm(asm.R4, 0), // BPF_ANY
		asm.FnMapUpdateElem.Call(),
		asm.Mov.Imm(asm.R0, 0),
		asm.Return(),
	)
}

// forkProgram runs at every fork (the parent task, the child): for a new
// process (not a thread), it copies the parent's entry to the child, or
// where the parent has none deletes the child's (that of a process that
// had the PID before).
func forkProgram(eo execOffsets) asm.Instructions {
	return asm.Instructions{
		asm.LoadMem(asm.R6, asm.R1, 0, asm.DWord), // parent
		asm.LoadMem(asm.R7, asm.R1, 8, asm.DWord), // child
		asm.LoadMem(asm.R1, asm.R7, eo.pid, asm.Word),
		asm.LoadMem(asm.R2, asm.R7, eo.tgid, asm.Word),
		asm.JNE.Reg(asm.R1, asm.R2, "done"), // a thread
		asm.StoreMem(asm.RFP, stackForkKey, asm.R2, asm.Word),
		asm.LoadMem(asm.R1, asm.R6, eo.tgid, asm.Word),
		asm.StoreMem(asm.RFP, stackExecKey, asm.R1, asm.Word),
		asm.LoadMapPtr(asm.R1, 0).WithReference("execs"),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, stackExecKey),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "forget"),
		asm.Mov.Reg(asm.R3, asm.R0),
		asm.LoadMapPtr(asm.R1, 0).WithReference("execs"),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, stackForkKey),
		asm.Mov.Imm(asm.R4, 0), // BPF_ANY
		asm.FnMapUpdateElem.Call(),
		asm.Ja.Label("done"),
		asm.LoadMapPtr(asm.R1, 0).WithReference("execs").WithSymbol("forget"),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, stackForkKey),
		asm.FnMapDeleteElem.Call(),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("done"),
		asm.Return(),
	}
}

// TraceExecs adds the exec programs to what r runs, so that ExecOf
// knows the exe, user and container of a process gone before its events
// are read. They run at every exec and fork on the machine, so only a
// reader that names processes asks for them (trace and record, not
// serve's counters by name). Where they cannot run (the classic
// program, an older kernel, the offsets missing) the error says why, r
// does without them, and ExecOf knows nothing.
func (r *Reader) TraceExecs() error {
	eo := r.eo
	if r.execs != nil {
		return nil // added already
	}
	if r.program != ProgramBTF {
		return errors.New("they are BTF programs, and the BTF program does not run")
	}
	if !eo.ok {
		return errors.New("the kernel's BTF does not place the fields the exec programs read")
	}
	coll, err := ebpf.NewCollection(execSpec(eo))
	if err != nil {
		return fmt.Errorf("loading the exec programs: %w", err)
	}
	links, err := attachAll(coll, []string{"sched_process_exec", "sched_process_fork"}, func(name string, p *ebpf.Program) (link.Link, error) {
		l, err := link.AttachTracing(link.TracingOptions{Program: p, AttachType: ebpf.AttachTraceRawTp})
		if err != nil {
			return nil, fmt.Errorf("attaching to the tracepoint %s: %w", name, err)
		}
		return l, nil
	})
	if err != nil {
		return err
	}
	r.mu.Lock() // ExecOf and Close read them under it
	r.execs, r.execLinks = coll, links
	r.mu.Unlock()
	r.openCgroups() // without it, a gone process's container is not known
	r.seedExecs()
	return nil
}

// seedExecs puts in the map "execs" the processes already running when
// the programs were attached, as /proc names them (their exe, the owner
// of /proc/PID, their cgroup's ID: its directory's inode number), so
// that a child one forks without executing anything (a shell's
// subshell, a daemon's worker) gets its entry at the fork and is known
// once gone too. It never replaces an entry the programs wrote meanwhile
// (those are newer). Outside the host's PID namespace /proc's PIDs are
// not the kernel's, and nothing is put. A process that ends, and whose
// PID is taken again, between its reading and its entry is the
// window left: microseconds.
func (r *Reader) seedExecs() {
	if !InInitialPIDNamespace() {
		return
	}
	m := r.execs.Maps["execs"]
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	entry := make([]byte, execEntrySize)
	for _, d := range procs {
		pid, err := strconv.ParseUint(d.Name(), 10, 32)
		if err != nil {
			continue
		}
		e, ok := r.procExec(int32(pid))
		if !ok {
			continue
		}
		encodeExec(e, entry)
		_ = m.Update(uint32(pid), entry, ebpf.UpdateNoExist)
	}
}

// procExec reads what the map "execs" keeps of process pid from /proc;
// not ok for a kernel thread, or one gone meanwhile.
func (r *Reader) procExec(pid int32) (Exec, bool) {
	exe, uid := ProcessExe(pid)
	if exe == "" || uid < 0 {
		return Exec{}, false
	}
	e := Exec{Path: exe, UID: uid}
	if r.cgroups == nil {
		return e, true
	}
	groups, _ := os.ReadFile(procfs.Default().Path(strconv.Itoa(int(pid)), "cgroup"))
	for _, line := range strings.Split(string(groups), "\n") {
		if rel, ok := strings.CutPrefix(line, "0::/"); ok {
			if rel == "" {
				rel = "."
			}
			var gst unix.Stat_t
			if unix.Fstatat(int(r.cgroups.Fd()), rel, &gst, 0) == nil {
				e.Cgroup = gst.Ino
			}
		}
	}
	return e, true
}

// ProcessExe reads process pid's executable from /proc (without the
// " (deleted)" /proc adds to a file gone), "" where it cannot be read (a
// kernel thread, another user's process without privilege, a process
// gone), and the owner of /proc/PID, its effective user, -1 where that
// cannot be read: what the exec programs keep of a process, as /proc
// tells it.
func ProcessExe(pid int32) (exe string, uid int64) {
	dir := procfs.Default().Path(strconv.Itoa(int(pid)))
	if l, err := os.Readlink(dir + "/exe"); err == nil {
		exe = strings.TrimSuffix(l, " (deleted)")
	}
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return exe, -1
	}
	return exe, int64(st.Uid)
}

// InInitialPIDNamespace reports whether this process runs in the host's
// PID namespace (whose inode is fixed, PROC_PID_INIT_INO), the one whose
// PIDs the tracing programs report; true where it cannot tell.
func InInitialPIDNamespace() bool {
	var st unix.Stat_t
	return unix.Stat(procfs.Default().Path("self", "ns", "pid"), &st) != nil || st.Ino == 0xEFFFFFFC
}

// ExecOf returns what the exec programs kept of process pid: the file it
// executed last while r ran, its user and its cgroup; for a process gone
// before its events were read, whose /proc is gone with it. ok is false
// where they kept nothing.
func (r *Reader) ExecOf(pid int32) (e Exec, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.execs == nil || r.closed.Load() {
		return Exec{}, false
	}
	var entry [execEntrySize]byte
	if err := r.execs.Maps["execs"].Lookup(uint32(pid), &entry); err != nil {
		return Exec{}, false
	}
	return decodeExec(entry[:])
}

// CgroupPath returns the path of the cgroup (v2) whose ID is id, as
// /proc/PID/cgroup writes it, where the cgroup is still there (a gone
// process's container lives on). It opens the cgroup by its file handle,
// which is its ID, in the hierarchy traceExecs opened.
func (r *Reader) CgroupPath(id uint64) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cgroups == nil || r.closed.Load() || id == 0 {
		return "", false
	}
	var h [8]byte
	binary.NativeEndian.PutUint64(h[:], id)
	fd, err := unix.OpenByHandleAt(int(r.cgroups.Fd()), unix.NewFileHandle(fileidKernfs, h[:]), unix.O_PATH|unix.O_CLOEXEC)
	if err != nil {
		return "", false
	}
	defer unix.Close(fd)
	path, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		return "", false
	}
	return cgroupRel(path, r.cgroupsAt), true
}

// fileidKernfs is the type of a kernfs file handle (the kernel's
// FILEID_KERNFS), whose 8 bytes are the node's ID: a cgroup's ID.
const fileidKernfs = 0xfe

// openCgroups opens the root of the cgroup v2 hierarchy for CgroupPath
// (mounting one for the moment where none is: the open directory keeps
// it).
func (r *Reader) openCgroups() error {
	root, unmount, err := cgroup2Root()
	if err != nil {
		return err
	}
	defer unmount()
	f, err := os.Open(root)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.cgroups, r.cgroupsAt = f, root
	r.mu.Unlock()
	return nil
}
