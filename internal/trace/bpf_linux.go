package trace

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
	"github.com/sockscope/sockscope/internal/kbtf"
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
	o, so := kernelLayout()
	var btfErr error
	if so.ok && os.Getenv(ProgramEnv) != ProgramTracepoint {
		r, err := open(btfSpec(buffer, so, o, allStates), func(p *ebpf.Program) (link.Link, error) {
			return link.AttachTracing(link.TracingOptions{Program: p, AttachType: ebpf.AttachTraceRawTp})
		})
		if err == nil {
			r.program, r.so = ProgramBTF, so
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
// statistics): the TCP program, either kind, and UDP's two.
const (
	ProgramNameTCP        = "sockscope_tcp"
	ProgramNameUDPCreate  = "sockscope_udpc"
	ProgramNameUDPRelease = "sockscope_udpr"
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

// offsets are where the kernel keeps what the program reads of a socket,
// -1 where its BTF does not say: then not read, and the event says it
// does not know (all ones for the bytes and errors, 0 for the
// namespace).
type offsets struct {
	// The data bytes sent and received, which the program works out
	// from tcp_sock's bytes_sent, bytes_retrans and bytes_received and
	// the socket's flags (sock_common's skc_flags; see dataBytes).
	sent, retrans, received, flags int32
	// err and errSoft: struct sock's sk_err and sk_err_soft.
	err, errSoft int32
	// net is where sock_common keeps its network namespace (skc_net, a
	// struct net pointer), inum where struct net keeps its inode number
	// (ns.inum).
	net, inum int32
}

// noOffsets are offsets where the kernel's BTF gave none.
var noOffsets = offsets{-1, -1, -1, -1, -1, -1, -1, -1}

// bytesKnown says whether the program can work out the bytes.
func (o offsets) bytesKnown() bool {
	return o.sent >= 0 && o.retrans >= 0 && o.received >= 0 && o.flags >= 0
}

// offsetMembers are the members offsetsFrom takes, in its order.
var offsetMembers = []kbtf.Member{
	{Struct: "tcp_sock", Name: "bytes_sent"}, {Struct: "tcp_sock", Name: "bytes_retrans"},
	{Struct: "tcp_sock", Name: "bytes_received"}, {Struct: "sock_common", Name: "skc_flags"},
	{Struct: "sock", Name: "sk_err"}, {Struct: "sock", Name: "sk_err_soft"},
	{Struct: "sock_common", Name: "skc_net"}, {Struct: "net", Name: "ns"}, {Struct: "ns_common", Name: "inum"},
}

// offsetsFrom makes offsets of the offsets of offsetMembers (-1: not
// found); each group is -1 where one of its members was not found.
func offsetsFrom(offs []int32) offsets {
	o := noOffsets
	if !slices.Contains(offs[0:4], -1) {
		o.sent, o.retrans, o.received, o.flags = offs[0], offs[1], offs[2], offs[3]
	}
	if !slices.Contains(offs[4:6], -1) {
		o.err, o.errSoft = offs[4], offs[5]
	}
	// skc_net is a possible_net_t: a struct of the one pointer.
	if !slices.Contains(offs[6:9], -1) {
		o.net, o.inum = offs[6], offs[7]+offs[8]
	}
	return o
}

// kernelLayout reads, in one read of the kernel's BTF, where it keeps
// what either TCP program reads (offsets) and what the BTF program
// and UDP's read of a socket (sockOffsets).
func kernelLayout() (offsets, sockOffsets) {
	offs, err := kbtf.LookupEach(slices.Concat(offsetMembers, sockMembers))
	if err != nil {
		return noOffsets, sockOffsets{}
	}
	return offsetsFrom(offs[:len(offsetMembers)]), sockOffsetsFrom(offs[len(offsetMembers):])
}

// tcpMaps are the maps of either TCP program: the ring buffer of
// buffer bytes, the counters of what was lost, the wakeup flag, the
// slots of starts.
func tcpMaps(buffer int) map[string]*ebpf.MapSpec {
	return map[string]*ebpf.MapSpec{
		"events": {Type: ebpf.RingBuf, MaxEntries: uint32(buffer)},
		"lost":   lostSpec(),
		"woken":  wokenSpec(),
		"starts": startsSpec(),
	}
}

// wokenSpec is the map of one flag the programs set when they wake the
// reader, and the reader clears before it sleeps: mappable, so that the
// reader writes it in place.
func wokenSpec() *ebpf.MapSpec {
	return &ebpf.MapSpec{Type: ebpf.Array, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: unix.BPF_F_MMAPABLE}
}

// lostSpec is the map of the programs' counters of what was lost
// (lostEvents, lostStarts).
func lostSpec() *ebpf.MapSpec {
	return &ebpf.MapSpec{Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 2}
}

// startsSpec is the map of the starts of connects in their handshake: an
// array of slots, a socket's slot chosen by a hash of its address (the
// start, the task, the name, then the socket's address, slotSize bytes).
// Its entries live a handshake, so a slot taken by another socket is
// rare; an array's lookup is a few instructions the verifier writes in
// place, where a hash map's update, lookup and delete were locked calls
// (and an LRU map's bookkeeping before them a third of the program's
// time).
func startsSpec() *ebpf.MapSpec {
	return &ebpf.MapSpec{Type: ebpf.Array, KeySize: 4, ValueSize: slotSize, MaxEntries: 1 << startsBits}
}

// startsBits is the log2 of the number of slots, Starts's; tests make it
// small.
var startsBits = startsLog

// The counters of the map "lost": events the ring buffer had no room
// for, and connects' starts pushed out of their pair of slots.
const (
	lostEvents = 0
	lostStarts = 1
)

// Where the program keeps a socket's start in its stack frame: the
// socket's address, the start (start, PID/TID, task name) as the map
// "starts" holds it, and the index of its slot there.
const (
	stackKey   = -8
	stackValue = -40 // start; PID/TID at -32; name at -24..-8
	stackLost  = -48
	stackSlot  = -72
	// Where the classic program reads tcp_sock's bytes_retrans and the
	// socket's flags (see dataBytes).
	stackRetrans = -80
	stackFlags   = -88
	// Where the classic program reads the socket's struct net.
	stackNet  = -96
	valueSize = 32
	slotSize  = valueSize + 8 // and the socket's address, 0 for none
)

// slotHash is the multiplier of the hash of a socket's address that
// chooses its slot (2^64 / the golden ratio: consecutive addresses far
// apart), as the int64 of the same bits.
const slotHash = -0x61c8864680b583eb // 0x9e3779b97f4a7c15

// Kernel TCP states the program tells apart.
const (
	tcpEstablished = 1
	tcpSynSent     = 2
	tcpSynRecv     = 3
	tcpClose       = 7
	tcpListen      = 10
)

// program is the BPF program, in BPF assembly, for a change of state of
// a TCP socket:
//
//   - connect()'s change from CLOSE to SYN_SENT (in its caller's
//     context) keeps the time, the task's PID/TID and name in the map
//     "starts", keyed by the socket's address, and is not sent: that is
//     most of what tcplife saves too. The change out of SYN_SENT takes
//     the start out of the map and sends it with its event (connect or
//     fail); the tracker keeps it from there. Nor is the change to
//     SYN_RECV of a connection's socket made from its listener's sent:
//     its change to ESTABLISHED comes at once (the tracker takes that as
//     its start).
//   - a change to ESTABLISHED, CLOSE or LISTEN (with allStates, any
//     other) is sent: it reserves an event in the ring buffer (or counts
//     it lost), writes the time, the start and PID/TID and name taken
//     from the map (the current task's for a listen), the tracepoint's
//     record from skaddr to daddr_v6 (eight aligned loads), and at a
//     change to CLOSE the socket's data bytes sent and received
//     (dataBytes) and its sk_err and sk_err_soft (read at the offsets
//     BTF gave; -1: not read).
func program(o offsets, allStates bool, wake int32) asm.Instructions {
	ins := asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1), // the tracepoint's record
		asm.LoadMem(asm.R2, asm.R6, 30, asm.Half),
		// TCP only (the protocol): an MPTCP connection's subflows are
		// TCP sockets, and its own socket would repeat their changes.
		asm.JNE.Imm(asm.R2, 6, "skip"),
		asm.LoadMem(asm.R1, asm.R6, recordFirst, asm.DWord), // skaddr
		asm.StoreMem(asm.RFP, stackKey, asm.R1, asm.DWord),
		asm.LoadMem(asm.R2, asm.R6, 16, asm.Word), // oldstate
		asm.LoadMem(asm.R3, asm.R6, 20, asm.Word), // newstate
	}
	ins = append(ins, keepStart(allStates)...)
	ins = append(ins, reserve("reserve", 0)...)
	ins = append(ins, owner(listening(asm.LoadMem(asm.R2, asm.R6, 20, asm.Word))...)...) // newstate
	for i := int16(0); i < recordSize/8; i++ {
		ld := asm.LoadMem(asm.R1, asm.R6, recordFirst+8*i, asm.DWord)
		if i == 0 {
			ld = ld.WithSymbol("record")
		}
		ins = append(ins, ld, asm.StoreMem(asm.R7, offRecord+8*i, asm.R1, asm.DWord))
	}
	// The socket's network namespace, which tells two containers'
	// listeners of one port apart: two reads, as the record has only the
	// socket's address (its struct net, then that one's inode number; 0
	// where a read fails).
	ins = append(ins, asm.Mov.Imm(asm.R1, 0), asm.StoreMem(asm.R7, offNetNS, asm.R1, asm.DWord))
	if o.net >= 0 && o.inum >= 0 {
		ins = append(ins, readKernel(asm.RFP, stackNet, 8, asm.LoadMem(asm.R3, asm.R6, recordFirst, asm.DWord), o.net)...)
		ins = append(ins, readKernel(asm.R7, offNetNS, 4, asm.LoadMem(asm.R3, asm.RFP, stackNet, asm.DWord), o.inum)...)
	}
	// What is read at a change to CLOSE is zero otherwise (a reserved
	// event is not).
	ins = append(ins,
		asm.Mov.Imm(asm.R1, 0),
		asm.StoreMem(asm.R7, offSent, asm.R1, asm.DWord),
		asm.StoreMem(asm.R7, offReceived, asm.R1, asm.DWord),
		asm.StoreMem(asm.R7, offErr, asm.R1, asm.DWord), // and offErrSoft
		asm.LoadMem(asm.R1, asm.R6, 20, asm.Word),       // newstate
		asm.JNE.Imm(asm.R1, tcpClose, "submit"),
	)
	if o.err < 0 || o.errSoft < 0 {
		o.err, o.errSoft = -1, -1
		ins = append(ins,
			asm.Mov.Imm(asm.R1, -1), // errUnknown, both
			asm.StoreMem(asm.R7, offErr, asm.R1, asm.DWord))
	}
	skaddr := asm.LoadMem(asm.R3, asm.R6, recordFirst, asm.DWord)
	if o.bytesKnown() {
		// Each of the four into the event or the stack, then the two
		// differences (dataBytes).
		for _, f := range []struct {
			base     asm.Register
			dst, off int32
		}{{asm.R7, offSent, o.sent}, {asm.RFP, stackRetrans, o.retrans}, {asm.R7, offReceived, o.received}, {asm.RFP, stackFlags, o.flags}} {
			ins = append(ins, readKernel(f.base, f.dst, 8, skaddr, f.off)...)
		}
		ins = append(ins,
			asm.LoadMem(asm.R1, asm.R7, offSent, asm.DWord),
			asm.LoadMem(asm.R2, asm.RFP, stackRetrans, asm.DWord),
			asm.LoadMem(asm.R3, asm.R7, offReceived, asm.DWord),
			asm.LoadMem(asm.R4, asm.RFP, stackFlags, asm.DWord))
		ins = append(ins, dataBytes()...)
	} else {
		ins = append(ins,
			asm.Mov.Imm(asm.R1, -1), // bytesUnknown
			asm.StoreMem(asm.R7, offSent, asm.R1, asm.DWord),
			asm.StoreMem(asm.R7, offReceived, asm.R1, asm.DWord))
	}
	// errSoft is last: a change from another state than SYN_SENT jumps
	// past it to submit.
	for _, f := range []struct{ dst, off, size int32 }{{offErr, o.err, 4}, {offErrSoft, o.errSoft, 4}} {
		if f.off < 0 {
			continue
		}
		if f.dst == offErrSoft {
			// Only a failed connect's soft error is told.
			ins = append(ins,
				asm.LoadMem(asm.R1, asm.R6, 16, asm.Word), // oldstate
				asm.JNE.Imm(asm.R1, tcpSynSent, "submit"))
		}
		ins = append(ins, readKernel(asm.R7, f.dst, f.size, skaddr, f.off)...)
	}
	return append(ins, submit("submit", 0, wake)...)
}

// keepStart is the part of the programs that, with the old state in R2,
// the new one in R3 and the socket's address at stackKey:
//
//   - keeps the start of a connect (a change from CLOSE to SYN_SENT: the
//     time, and connect()'s task) in a slot of its pair in the map
//     starts (see otherSlot), and returns; where both held other
//     sockets' (still in their handshakes: the second's is pushed out),
//     counts it lost (lostStarts);
//   - at a change out of SYN_SENT (to ESTABLISHED, CLOSE, or SYN_RECV:
//     a simultaneous open, or a connect to its own port), takes the
//     socket's start out of its slot onto the stack, at stackValue, and
//     goes on to "reserve" with R9 pointing to it;
//   - returns at the changes no event needs (every other one is an event
//     with allStates);
//   - and for the rest goes on to "reserve" with R9 nil.
//
// Two sockets of one slot changing at the same moment on two CPUs could
// mix their starts: the slots are many and a handshake short.
func keepStart(allStates bool) asm.Instructions {
	other := "skip"
	if allStates {
		other = "nostart"
	}
	ins := asm.Instructions{
		asm.JEq.Imm(asm.R3, tcpSynSent, "synsent"),
		asm.JEq.Imm(asm.R2, tcpSynSent, "handshake"),
		// A connection's socket made from its listener's: its change to
		// ESTABLISHED (the accept) comes at once, in the same softirq,
		// and is its start.
		asm.JEq.Imm(asm.R3, tcpSynRecv, "skip"),
		asm.JEq.Imm(asm.R3, tcpEstablished, "nostart"),
		asm.JEq.Imm(asm.R3, tcpClose, "nostart"),
		asm.JEq.Imm(asm.R3, tcpListen, "nostart"),
		asm.Ja.Label(other),

		asm.JNE.Imm(asm.R2, tcpClose, other).WithSymbol("synsent"),
	}
	// Its slot, or the other of the pair where another socket's start
	// is in the first; where both hold one, the second's is pushed out.
	ins = append(ins, slot("skip")...)
	ins = append(ins, freeOrMine("free")...)
	ins = append(ins, otherSlot("skip")...)
	ins = append(ins, freeOrMine("free")...)
	ins = append(ins, count(lostStarts, "free")...)
	ins = append(ins, keepTask("free")...)
	ins = append(ins,
		asm.LoadMem(asm.R1, asm.RFP, stackKey, asm.DWord),
		asm.StoreMem(asm.R7, valueSize, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("skip"),
		asm.Return(),
	)
	hs := slot("nostart")
	hs[0] = hs[0].WithSymbol("handshake")
	ins = append(ins, hs...)
	ins = append(ins, mine(asm.R0, asm.JEq, "found")...)
	ins = append(ins, otherSlot("nostart")...)
	ins = append(ins, mine(asm.R0, asm.JNE, "nostart")...) // pushed out, or never kept
	for i := int16(0); i < valueSize/8; i++ {
		ld := asm.LoadMem(asm.R1, asm.R0, 8*i, asm.DWord)
		if i == 0 {
			ld = ld.WithSymbol("found")
		}
		ins = append(ins, ld, asm.StoreMem(asm.RFP, stackValue+8*i, asm.R1, asm.DWord))
	}
	return append(ins,
		asm.Mov.Imm(asm.R1, 0),
		asm.StoreMem(asm.R0, valueSize, asm.R1, asm.DWord), // the slot is free
		asm.Mov.Reg(asm.R9, asm.RFP),
		asm.Add.Imm(asm.R9, stackValue),
		asm.Ja.Label("reserve"),

		asm.Mov.Imm(asm.R9, 0).WithSymbol("nostart"),
	)
}

// slot is the part of the programs that looks up the slot of the socket
// at stackKey in the map starts: its address in R0, or on to none where
// there is none (never: the index is in range, but the verifier cannot
// know).
func slot(none string) asm.Instructions {
	ins := asm.Instructions{
		asm.LoadMem(asm.R1, asm.RFP, stackKey, asm.DWord),
		// Its low 32 bits, as a number: the BTF program's is a pointer,
		// which the verifier lets no arithmetic but this touch.
		asm.Mov.Reg32(asm.R1, asm.R1),
		asm.LoadImm(asm.R2, slotHash, asm.DWord),
		asm.Mul.Reg(asm.R1, asm.R2),
		asm.RSh.Imm(asm.R1, int32(64-startsBits)),
		asm.StoreMem(asm.RFP, stackSlot, asm.R1, asm.Word),
	}
	return append(ins, lookup("starts", stackSlot, none)...)
}

// lookup is the part of the programs that looks up the key at stackOff
// in the map name: the value's address in R0, or on to none where there
// is none.
func lookup(name string, stackOff int32, none string) asm.Instructions {
	return asm.Instructions{
		asm.LoadMapPtr(asm.R1, 0).WithReference(name),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, stackOff),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, none),
	}
}

// freeOrMine is the part of keepStart that, with a slot's address in
// R0, keeps it in R7 and goes on at label where the slot holds no
// socket's start or this one's.
func freeOrMine(label string) asm.Instructions {
	ins := asm.Instructions{
		asm.Mov.Reg(asm.R7, asm.R0),
		asm.LoadMem(asm.R1, asm.R7, valueSize, asm.DWord),
		asm.JEq.Imm(asm.R1, 0, label),
	}
	return append(ins, mine(asm.R7, asm.JEq, label)...)
}

// mine is the part of the programs that compares the socket whose
// start the slot at p holds with this one (at stackKey) and jumps to
// label by op: JEq where it is this one's, JNE where not.
func mine(p asm.Register, op asm.JumpOp, label string) asm.Instructions {
	return asm.Instructions{
		asm.LoadMem(asm.R1, p, valueSize, asm.DWord),
		asm.LoadMem(asm.R2, asm.RFP, stackKey, asm.DWord),
		op.Reg(asm.R1, asm.R2, label),
	}
}

// otherSlot is the part of the programs that, after slot, looks up the
// other slot of its pair (the index with its lowest bit flipped): its
// address in R0, or on to none. A start is kept in either slot of its
// pair, so that two connects whose sockets hash alike, both waiting for
// an answer, both keep theirs.
func otherSlot(none string) asm.Instructions {
	ins := asm.Instructions{
		asm.LoadMem(asm.R1, asm.RFP, stackSlot, asm.Word),
		asm.Xor.Imm(asm.R1, 1),
		asm.StoreMem(asm.RFP, stackSlot, asm.R1, asm.Word),
	}
	return append(ins, lookup("starts", stackSlot, none)...)
}

// count is the part of the programs that adds one to the counter index
// of the map "lost", then goes on at next.
func count(index int32, next string) asm.Instructions {
	ins := asm.Instructions{asm.StoreImm(asm.RFP, stackLost, int64(index), asm.Word)}
	ins = append(ins, lookup("lost", stackLost, next)...)
	return append(ins, asm.Mov.Imm(asm.R1, 1), asm.StoreXAdd(asm.R0, asm.R1, asm.DWord))
}

// reserve is the part of the programs that reserves an event in the ring
// buffer, or counts it lost and returns ret, and writes its time: from
// label on, with the event in R7.
func reserve(label string, ret int32) asm.Instructions {
	ins := asm.Instructions{
		asm.LoadMapPtr(asm.R1, 0).WithReference("events").WithSymbol(label),
		asm.Mov.Imm(asm.R2, RawSize),
		asm.Mov.Imm(asm.R3, 0),
		asm.FnRingbufReserve.Call(),
		asm.JNE.Imm(asm.R0, 0, "reserved"),
	}
	// No room: count it lost.
	ins = append(ins, count(lostEvents, "out")...)
	return append(ins,
		asm.Mov.Imm(asm.R0, ret).WithSymbol("out"),
		asm.Return(),

		asm.Mov.Reg(asm.R7, asm.R0).WithSymbol("reserved"),
		asm.FnKtimeGetNs.Call(),
		asm.StoreMem(asm.R7, offMono, asm.R0, asm.DWord),
	)
}

// owner is the part of the programs that writes the start, PID/TID and
// name kept for the socket (the value R9 points to) into the event (R7),
// or where R9 is nil, zeros, and the current task's unless guard (run
// then) jumps to "record": the TCP programs take it only at a change to
// LISTEN, the only change whose task the tracker believes without a kept
// one (asking for it costs the accepts and closes time for nothing). It
// goes on at the label "record".
func owner(guard ...asm.Instruction) asm.Instructions {
	ins := asm.Instructions{asm.JEq.Imm(asm.R9, 0, "current")}
	for i := int16(0); i < valueSize/8; i++ {
		dst := int16(offStart)
		if i > 0 {
			dst = offPIDTGID + 8*(i-1)
		}
		ins = append(ins, copyField(dst, asm.R9, 8*i, asm.DWord)...)
	}
	ins = append(ins,
		asm.Ja.Label("record"),
		asm.Mov.Imm(asm.R1, 0).WithSymbol("current"),
		asm.StoreMem(asm.R7, offStart, asm.R1, asm.DWord),
		asm.StoreMem(asm.R7, offPIDTGID, asm.R1, asm.DWord),
		asm.StoreMem(asm.R7, offComm, asm.R1, asm.DWord),
		asm.StoreMem(asm.R7, offComm+8, asm.R1, asm.DWord),
	)
	ins = append(ins, guard...)
	return append(ins,
		asm.FnGetCurrentPidTgid.Call(),
		asm.StoreMem(asm.R7, offPIDTGID, asm.R0, asm.DWord),
		asm.Mov.Reg(asm.R1, asm.R7),
		asm.Add.Imm(asm.R1, offComm),
		asm.Mov.Imm(asm.R2, 16),
		asm.FnGetCurrentComm.Call(),
	)
}

// listening is owner's guard for the TCP programs: past it only at a
// change to LISTEN (newState loads the new state into R2).
func listening(newState asm.Instruction) []asm.Instruction {
	return []asm.Instruction{newState, asm.JNE.Imm(asm.R2, tcpListen, "record")}
}

// keepTask is the part of the programs that writes, from label on, the
// time, the current task's PID/TID and its name where R7 points (a
// start's layout: a slot's, a UDP socket's storage).
func keepTask(label string) asm.Instructions {
	return asm.Instructions{
		asm.FnKtimeGetNs.Call().WithSymbol(label),
		asm.StoreMem(asm.R7, 0, asm.R0, asm.DWord),
		asm.FnGetCurrentPidTgid.Call(),
		asm.StoreMem(asm.R7, 8, asm.R0, asm.DWord),
		asm.Mov.Reg(asm.R1, asm.R7),
		asm.Add.Imm(asm.R1, 16),
		asm.Mov.Imm(asm.R2, 16),
		asm.FnGetCurrentComm.Call(),
	}
}

// dataBytes is the part of the programs that, with tcp_sock's
// bytes_sent in R1, bytes_retrans in R2, bytes_received in R3 and the
// socket's flags (sk_flags, kept in sock_common as skc_flags) in R4,
// writes the data bytes sent and received into the event (R7). A user
// who wrote 100 bytes expects 100: bytes_acked (what tcplife and ss
// show) also counts a connect's SYN and the FIN acknowledged, a byte
// each, and bytes_received the peer's FIN. So sent is bytes_sent (the
// payload of every segment sent) less bytes_retrans (what was sent
// again); received is bytes_received less the peer's FIN where it came,
// which sk_flags' SOCK_DONE (bit 1) says: tcp_fin sets it, just after
// it counted the FIN. Neither goes below 0: a retransmission whose
// sending failed is counted in bytes_retrans and not in bytes_sent, and
// a Fast Open SYN's FIN is not counted in bytes_received; and all ones
// would read as "not known".
func dataBytes() asm.Instructions {
	return asm.Instructions{
		asm.JGE.Reg(asm.R1, asm.R2, "sentdata"),
		asm.Mov.Reg(asm.R1, asm.R2),
		asm.Sub.Reg(asm.R1, asm.R2).WithSymbol("sentdata"),
		asm.StoreMem(asm.R7, offSent, asm.R1, asm.DWord),
		asm.RSh.Imm(asm.R4, 1), // SOCK_DONE
		asm.And.Imm(asm.R4, 1),
		asm.JGE.Reg(asm.R3, asm.R4, "received"),
		asm.Mov.Reg(asm.R3, asm.R4),
		asm.Sub.Reg(asm.R3, asm.R4).WithSymbol("received"),
		asm.StoreMem(asm.R7, offReceived, asm.R3, asm.DWord),
	}
}

// copyField is the part of the programs that copies size bytes at off
// past src (the socket, a context) into the event (R7) at dst, through
// R1.
func copyField(dst int16, src asm.Register, off int16, size asm.Size) asm.Instructions {
	return asm.Instructions{asm.LoadMem(asm.R1, src, off, size), asm.StoreMem(asm.R7, dst, asm.R1, size)}
}

// readKernel is the part of the programs that reads size bytes of
// kernel memory at off past the address base loads into R3, to dst past
// to (the event, R7, or the stack frame, RFP).
func readKernel(to asm.Register, dst, size int32, base asm.Instruction, off int32) asm.Instructions {
	return asm.Instructions{
		asm.Mov.Reg(asm.R1, to),
		asm.Add.Imm(asm.R1, dst),
		asm.Mov.Imm(asm.R2, size),
		base,
		asm.Add.Imm(asm.R3, off),
		asm.FnProbeReadKernel.Call(),
	}
}

// submit is the part of the programs that submits the event (R7), from
// label on, and returns ret. It wakes the reader only once wake bytes
// wait (the reader reads at least every ReadEvery anyway): a wakeup per
// event would cost more than the event. And only once until the reader
// says it sleeps again (the map woken, which it clears before it sleeps):
// every event after the first, until the reader had taken them, raised
// an interrupt for a reader already woken (a seventh of the program's
// time). The first event past wake on each CPU may wake it at once;
// a second wakeup is harmless, a missed one would leave the reader
// asleep until ReadEvery.
func submit(label string, ret, wake int32) asm.Instructions {
	ins := asm.Instructions{
		asm.LoadMapPtr(asm.R1, 0).WithReference("events").WithSymbol(label),
		asm.Mov.Imm(asm.R2, 0), // BPF_RB_AVAIL_DATA
		asm.FnRingbufQuery.Call(),
		asm.Mov.Imm(asm.R8, 1), // BPF_RB_NO_WAKEUP
		asm.JLT.Imm(asm.R0, wake, "send"),
		asm.StoreImm(asm.RFP, stackLost, 0, asm.Word),
	}
	ins = append(ins, lookup("woken", stackLost, "send")...)
	return append(ins,
		asm.LoadMem(asm.R1, asm.R0, 0, asm.Word),
		asm.JNE.Imm(asm.R1, 0, "send"), // woken already
		asm.StoreImm(asm.R0, 0, 1, asm.Word),
		asm.Mov.Imm(asm.R8, 2), // BPF_RB_FORCE_WAKEUP
		asm.Mov.Reg(asm.R1, asm.R7).WithSymbol("send"),
		asm.Mov.Reg(asm.R2, asm.R8),
		asm.FnRingbufSubmit.Call(),
		asm.Mov.Imm(asm.R0, ret),
		asm.Return(),
	)
}

// wakeMark is how many bytes wait in a ring buffer of buffer bytes
// before the programs wake the reader: a quarter of it, in the default
// buffer 1 MiB, some 7,300 events, about what ReadEvery lets wait at
// 10,000 connections a second (40,000 events), so that the reader wakes
// some five times a second. Each wakeup costs the reader its sleep and
// its return, and Go's monitor thread some of its own: a wakeup every
// 64 KiB (80 a second) was a tenth of the reader's time, every 256 KiB
// (20 a second) still a seventh more than every MiB. The three
// quarters left hold what comes while the reader wakes and reads.
func wakeMark(buffer int) int32 { return int32(buffer / 4) }

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
		r.waitMu.Lock() // once a wait has ended
		r.mu.Lock()
		if r.ring != nil {
			r.ring.unmap()
		}
		if r.wokenMem != nil {
			unix.Munmap(r.wokenMem)
		}
		r.mu.Unlock()
		r.waitMu.Unlock()
		r.coll.Close()
	})
	return err
}
