package trace

import (
	"slices"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/sockscope/sockscope/internal/kbtf"
	"golang.org/x/sys/unix"
)

// This file builds the TCP programs' maps, and the classic tracepoint's
// program in BPF assembly with the parts the BTF program (btf_linux.go)
// and UDP's (udp_linux.go) share; reader_linux.go loads them and reads
// their events.

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
// what either TCP program reads (offsets), what the BTF program and
// UDP's read of a socket (sockOffsets), and what the exec programs read
// (execOffsets).
func kernelLayout() (offsets, sockOffsets, execOffsets) {
	offs, err := kbtf.LookupEach(slices.Concat(offsetMembers, sockMembers, execMembers))
	if err != nil {
		return noOffsets, sockOffsets{}, execOffsets{}
	}
	n, m := len(offsetMembers), len(offsetMembers)+len(sockMembers)
	return offsetsFrom(offs[:n]), sockOffsetsFrom(offs[n:m]), execOffsetsFrom(offs[m:])
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
