package trace

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"
)

// DefaultBuffer is the ring buffer's size: at 136 bytes an event (and
// the buffer's 8-byte header), some 30,000 events can wait for the
// reader.
const DefaultBuffer = 4 << 20

// A Reader reads the state changes of TCP sockets from the kernel, and
// the ends of UDP sockets once TraceUDP added them. One goroutine reads
// (ReadInto); Close may come from another.
type Reader struct {
	coll *ebpf.Collection
	// tp is the TCP program's attachment, made by attach; tpMu guards it
	// (Pause and Resume may come from another goroutine than Close).
	tpMu   sync.Mutex
	tp     link.Link
	attach func(*ebpf.Program) (link.Link, error)
	// so are the socket's offsets BTF gave, for TraceUDP's programs too.
	so sockOffsets
	// udp and udpLinks are UDP's programs, where TraceUDP added them.
	udp      *ebpf.Collection
	udpLinks []link.Link
	// execs and execLinks are the exec programs' (see ExecOf), where
	// TraceExecs added them; eo is where the kernel keeps what they read.
	execs     *ebpf.Collection
	execLinks []link.Link
	eo        execOffsets
	// cgroups is the root of the cgroup v2 hierarchy, mounted at
	// cgroupsAt, open for CgroupPath.
	cgroups   *os.File
	cgroupsAt string
	// mu is held while the ring is read (not while waiting for it):
	// Close unmaps it only once no read is under way.
	mu   sync.Mutex
	ring *ring
	// waitMu is held while the reader waits (and asks the ring what
	// waits, not holding mu): Close unmaps the ring once the wait, which
	// closing wake ends, has.
	waitMu sync.Mutex
	// woken is the programs' flag that they woke the reader, which it
	// clears before it sleeps, through wokenFlag: the map mapped into
	// the reader (wokenMem), so that clearing it is no system call (a
	// system call's return wakes Go's monitor thread, which then polls
	// every 20 µs for a while).
	woken     *ebpf.Map
	wokenMem  []byte
	wokenFlag *uint32
	// Drained, where set, is called when the reader has read every event
	// waiting and is about to wait for more (not holding the reader):
	// where output is best written, in one go at the end of a batch.
	Drained func()
	// wake is the ring buffer's descriptor again, non-blocking, in Go's
	// poller: the reader waits for the program's wakeup there (see
	// ReadInto); wakeConn is its raw connection.
	wake     *os.File
	wakeConn syscall.RawConn
	// comms are the task names seen, so that each is made once;
	// lastComm is the last one.
	comms    map[string]string
	lastComm string
	// offset turns CLOCK_MONOTONIC into wall-clock time.
	offset time.Duration
	// program is which program runs (ProgramBTF, ProgramTracepoint).
	program string
	// closeOnce makes Close safe to call twice and from two goroutines
	// (a trace ended by its context, then by its loop); lostAtClose and
	// missedAtClose are the counts Lost, StartsLost and Missed give once
	// closed (the maps and the program are gone then).
	closeOnce     sync.Once
	closed        atomic.Bool
	lostAtClose   [2]uint64
	missedAtClose uint64
	// stopping is set by Stop, with stopAt, the producer's position
	// then (under mu): ReadInto returns what was written before it, then
	// ErrClosed.
	stopping atomic.Bool
	stopAt   uint64
}

// tracefsDirs are where tracefs is found (link.Tracepoint reads the
// tracepoint's id there).
var tracefsDirs = []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}

// Open loads and attaches the tracing program with a ring buffer of
// buffer bytes (a power of two, a multiple of the page size; 0 takes
// DefaultBuffer): the BTF program where the kernel's BTF and verifier
// take it (ProgramBTF), else the classic tracepoint's (ProgramTracepoint;
// where tracefs is not mounted it mounts it at /sys/kernel/tracing, as
// perf does). Without allStates the program reports only what connect,
// accept, close and fail events need (changes to ESTABLISHED, CLOSE or
// LISTEN, and a simultaneous open's to SYN_RECV); with it, every change
// but the starts it keeps and an accepted connection's socket's first
// (to SYN_RECV, its change to ESTABLISHED following at once). It needs root,
// or CAP_BPF and CAP_PERFMON. The error says what is missing.
func Open(buffer int, allStates bool) (*Reader, error) {
	if buffer == 0 {
		buffer = DefaultBuffer
	}
	_ = rlimit.RemoveMemlock() // kernels before 5.11 charge maps to RLIMIT_MEMLOCK
	o, so, eo := kernelLayout()
	var btfErr error
	if so.ok && os.Getenv(ProgramEnv) != ProgramTracepoint {
		r, err := open(btfSpec(buffer, so, o, allStates), func(p *ebpf.Program) (link.Link, error) {
			return link.AttachTracing(link.TracingOptions{Program: p, AttachType: ebpf.AttachTraceRawTp})
		})
		if err == nil {
			r.program, r.so, r.eo = ProgramBTF, so, eo
			return r, nil
		}
		btfErr = err
	}
	if err := ensureTracefs(); err != nil {
		return nil, errors.Join(err, btfErr)
	}
	spec := &ebpf.CollectionSpec{
		Maps: tcpMaps(buffer),
		Programs: map[string]*ebpf.ProgramSpec{
			"inet_sock_set_state": {Name: ProgramNameTCP, Type: ebpf.TracePoint, License: "Dual MIT/GPL", Instructions: program(o, allStates, wakeMark(buffer))},
		},
	}
	r, err := open(spec, func(p *ebpf.Program) (link.Link, error) {
		return link.Tracepoint("sock", "inet_sock_set_state", p, nil)
	})
	if err != nil {
		return nil, errors.Join(err, btfErr)
	}
	r.program, r.so = ProgramTracepoint, so
	return r, nil
}

// The names the kernel knows trace's programs by (bpftool prog, BPF
// statistics): the TCP program, either kind, UDP's two, and the exec
// programs (see ExecOf).
const (
	ProgramNameTCP        = "sockscope_tcp"
	ProgramNameUDPCreate  = "sockscope_udpc"
	ProgramNameUDPRelease = "sockscope_udpr"
	ProgramNameExec       = "sockscope_exec"
	ProgramNameFork       = "sockscope_fork"
)

// The programs Open can load, as Reader.Program names them, and the
// environment variable that chooses the second where both would load
// (to test it, or where the first misbehaves).
const (
	// ProgramBTF is the BTF-typed raw tracepoint's program (tp_btf),
	// which reads the socket itself: the cheaper.
	ProgramBTF = "tp_btf"
	// ProgramTracepoint is the classic tracepoint's program, which copies
	// the tracepoint's record: where the kernel has no BTF, or the BTF
	// program does not load.
	ProgramTracepoint = "tracepoint"
	// ProgramEnv set to ProgramTracepoint makes Open load the classic
	// program.
	ProgramEnv = "SOCKSCOPE_TRACE_PROGRAM"
)

// Program names the program the Reader runs: ProgramBTF or
// ProgramTracepoint.
func (r *Reader) Program() string { return r.program }

// open loads spec's collection, attaches its program with attach, and
// opens the reader of its ring buffer.
func open(spec *ebpf.CollectionSpec, attach func(*ebpf.Program) (link.Link, error)) (*Reader, error) {
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		return nil, fmt.Errorf("loading the tracing program: %w", err)
	}
	r := &Reader{coll: coll, attach: attach}
	r.tp, err = attach(coll.Programs["inet_sock_set_state"])
	if err != nil {
		coll.Close()
		return nil, fmt.Errorf("attaching to the tracepoint sock:inet_sock_set_state: %w", err)
	}
	events := coll.Maps["events"]
	r.woken = coll.Maps["woken"]
	r.ring, err = mapRing(events.FD(), int(events.MaxEntries()))
	if err != nil {
		r.Close()
		return nil, err
	}
	r.wokenMem, err = unix.Mmap(r.woken.FD(), 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("mapping the wakeup flag: %w", err)
	}
	r.wokenFlag = (*uint32)(unsafe.Pointer(&r.wokenMem[0]))
	// ReadInto waits in Go's poller, on a non-blocking copy of the ring
	// buffer's descriptor.
	fd, err := unix.FcntlInt(uintptr(events.FD()), unix.F_DUPFD_CLOEXEC, 0)
	if err == nil {
		err = unix.SetNonblock(fd, true)
		r.wake = os.NewFile(uintptr(fd), "ring buffer")
	}
	if err == nil {
		r.wakeConn, err = r.wake.SyscallConn()
	}
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("polling the ring buffer: %w", err)
	}
	var mono unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &mono); err == nil {
		r.offset = time.Duration(time.Now().UnixNano() - mono.Nano())
	}
	return r, nil
}

// ensureTracefs mounts tracefs where it is not mounted.
func ensureTracefs() error {
	for _, d := range tracefsDirs {
		if _, err := os.Stat(d + "/events"); err == nil {
			return nil
		}
	}
	if err := unix.Mount("tracefs", tracefsDirs[0], "tracefs", 0, ""); err != nil {
		return fmt.Errorf("tracefs is not mounted, and mounting it at %s failed: %w", tracefsDirs[0], err)
	}
	return nil
}

// ReadEvery is the longest an event waits in the ring buffer before Read
// returns it.
const ReadEvery = 200 * time.Millisecond

// Read blocks until the next state change and decodes it, or returns
// ErrIdle after ReadEvery without one (the caller flushes its output).
func (r *Reader) Read() (Raw, error) {
	var raw Raw
	err := r.ReadInto(&raw)
	return raw, err
}

// ReadInto is Read into raw. While events wait in the ring buffer it
// takes them one after the other without asking the time or the kernel.
// When none waits it waits in Go's poller for the program's wakeup, not
// in a system call of its own: a thread blocked in one is taken from the
// scheduler and given back each time, and keeps the runtime's monitor
// waking every 20 µs for a while after, which cost a tenth of trace's
// time.
func (r *Reader) ReadInto(raw *Raw) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	busy := 0
	for {
		if r.closed.Load() || r.stopping.Load() && r.ring.pos >= r.stopAt {
			return ErrClosed
		}
		b, st, err := r.ring.next()
		switch {
		case err != nil:
			return err
		case st == ringRecord:
			return decodeRaw(raw, b, r.intern)
		case st == ringBusy && busy < 100:
			// The program is between its reserve and its submit: a
			// moment.
			busy++
			runtime.Gosched()
			continue
		case r.stopping.Load():
			return ErrClosed // a record never submitted: what is left
		}
		busy = 0
		r.ring.give()
		if r.ring.waiting() > 0 && st == ringEmpty {
			continue // came meanwhile
		}
		if r.Drained != nil {
			// Before the flag is cleared: a wakeup sent while the
			// output is written (a slow pipe) would wake no one.
			r.mu.Unlock()
			r.Drained()
			r.mu.Lock()
			if r.closed.Load() {
				return ErrClosed
			}
		}
		// About to sleep: from here the programs wake the reader again.
		// What came before the flag was cleared is read now (a wakeup
		// the programs sent before is not kept for the wait below: the
		// poller forgets it, and asks waiting instead).
		atomic.StoreUint32(r.wokenFlag, 0)
		if r.ring.waiting() > 0 && st == ringEmpty {
			continue
		}
		r.mu.Unlock()
		// What comes meanwhile is seen first: the poller asks waiting
		// before it waits.
		r.waitMu.Lock()
		err = r.wake.SetReadDeadline(time.Now().Add(ReadEvery))
		if err == nil {
			err = r.wakeConn.Read(func(uintptr) bool { return r.ring.waiting() > 0 })
		}
		r.waitMu.Unlock()
		r.mu.Lock()
		switch {
		case r.closed.Load():
			return ErrClosed
		case errors.Is(err, os.ErrDeadlineExceeded):
			return ErrIdle
		case err != nil:
			return ErrClosed
		}
	}
}

// intern returns the task name b as a string made once. Most events
// have none (the tracker keeps their owner), and the rest come in runs
// of one name.
func (r *Reader) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if string(b) == r.lastComm {
		return r.lastComm
	}
	s, ok := r.comms[string(b)]
	if ok {
		r.lastComm = s
		return s
	}
	if r.comms == nil || len(r.comms) >= 4096 {
		r.comms = make(map[string]string)
	}
	s = string(b)
	r.comms[s] = s
	r.lastComm = s
	return s
}

// Wall turns a time of an event into wall-clock time.
func (r *Reader) Wall(mono uint64) time.Time {
	return time.Unix(0, int64(mono)+int64(r.offset))
}

// Lost returns how many state changes found the ring buffer full.
func (r *Reader) Lost() uint64 { return r.lost(lostEvents) }

// Missed returns how many state changes the kernel did not hand to the
// TCP program: it skips a program already running on the same CPU (a
// change of state in an interrupt that came while the program ran for
// another), and counts the skip in the program's statistics, whether
// they are turned on or not. Those changes are lost as surely as the
// ones the buffer had no room for; under 10,000 connections a second
// they were 0 to 2 in 500,000.
func (r *Reader) Missed() uint64 {
	if r.closed.Load() {
		return r.missedAtClose
	}
	var n uint64
	if p := r.coll.Programs["inet_sock_set_state"]; p != nil {
		if st, err := p.Stats(); err == nil {
			n = st.RecursionMisses
		}
	}
	return n
}

// Pause detaches the TCP program from the tracepoint, so that it runs
// no more (it stays loaded, its buffer and counts kept) until Resume
// attaches it again; what changes between is not seen. It is for the
// benchmark that measures what trace costs (bench/trace.sh): windows
// with the program and without it, one process throughout. UDP's
// programs, where TraceUDP added them, stay attached.
func (r *Reader) Pause() error {
	r.tpMu.Lock()
	defer r.tpMu.Unlock()
	if r.tp == nil {
		return nil
	}
	err := r.tp.Close()
	r.tp = nil
	return err
}

// Resume attaches the TCP program again after Pause; attached, or
// closed, it does nothing.
func (r *Reader) Resume() error {
	r.tpMu.Lock()
	defer r.tpMu.Unlock()
	if r.tp != nil || r.closed.Load() {
		return nil
	}
	l, err := r.attach(r.coll.Programs["inet_sock_set_state"])
	if err != nil {
		return fmt.Errorf("attaching to the tracepoint sock:inet_sock_set_state again: %w", err)
	}
	r.tp = l
	return nil
}

// StartsLost returns how many connects' starts were pushed out of their
// pair of slots by other connects' while they waited for an answer:
// their connections have no owner or duration (but a snapshot's).
func (r *Reader) StartsLost() uint64 { return r.lost(lostStarts) }

// lost returns the counter index of the map "lost".
func (r *Reader) lost(index uint32) uint64 {
	if r.closed.Load() {
		return r.lostAtClose[index]
	}
	var n uint64
	if m := r.coll.Maps["lost"]; m != nil {
		_ = m.Lookup(index, &n)
	}
	return n
}

// Stop ends the reading where the programs are now: ReadInto returns
// the events written before (those that waited to be read, which Close
// would drop), then ErrClosed. A ReadInto waiting for events returns
// (ErrIdle) within ReadEvery. The programs run on until Close.
func (r *Reader) Stop() {
	r.mu.Lock()
	if !r.closed.Load() && !r.stopping.Load() {
		r.stopAt = atomic.LoadUint64(r.ring.prod)
		r.stopping.Store(true)
	}
	r.mu.Unlock()
	if r.wake != nil {
		r.wake.SetReadDeadline(time.Now()) // a wait ends now
	}
}

// Close detaches the program and frees what it holds; a Read waiting
// returns ErrClosed.
func (r *Reader) Close() error {
	var err error
	r.closeOnce.Do(func() {
		r.lostAtClose, r.missedAtClose = [2]uint64{r.Lost(), r.StartsLost()}, r.Missed()
		r.closed.Store(true)
		if r.wake != nil {
			r.wake.Close() // a ReadInto waiting returns
		}
		err = r.Pause() // detaches it
		for _, l := range r.udpLinks {
			err = errors.Join(err, l.Close())
		}
		if r.udp != nil {
			r.udp.Close()
		}
		for _, l := range r.execLinks {
			err = errors.Join(err, l.Close())
		}
		r.waitMu.Lock() // once a wait has ended
		r.mu.Lock()
		if r.ring != nil {
			r.ring.unmap()
		}
		if r.wokenMem != nil {
			unix.Munmap(r.wokenMem)
		}
		if r.execs != nil {
			r.execs.Close() // no ExecOf is under way: it holds mu
		}
		if r.cgroups != nil {
			r.cgroups.Close()
		}
		r.mu.Unlock()
		r.waitMu.Unlock()
		r.coll.Close()
	})
	return err
}
