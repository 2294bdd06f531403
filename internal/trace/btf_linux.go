package trace

import (
	"slices"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/sockscope/sockscope/internal/kbtf"
)

// The BTF program is the program of choice where the kernel has BTF: it
// runs at the same tracepoint as a BTF-typed raw tracepoint (tp_btf),
// which hands it the socket and the two states as they are, instead of
// the classic tracepoint's record that the kernel fills for every change
// (ten a connection) before the program can even say it wants none. It
// reads the few fields it sends from the socket itself, those of
// tcp_sock (past struct sock) through bpf_skc_to_tcp_sock: loads, where
// the classic program calls bpf_probe_read_kernel for each. It keeps the
// starts in the same slots as the classic program: socket storage
// (sk_storage), tried, cost more, its allocation and RCU-deferred free
// for each connection more than a map's lookups.

// sockOffsets are where the kernel keeps what the BTF program reads of a
// socket, from its BTF; ok is false where one is missing (the classic
// program is used then).
type sockOffsets struct {
	daddr, rcvSaddr, dport, family, v6daddr, v6rcvSaddr int16
	protocol, err, errSoft                              int16
	// sport is inet_sock's inet_sport, past struct sock: the local
	// port, which skc_num no longer holds at a close (the port is given
	// back before the change to CLOSE).
	sport int16
	ok    bool
}

// sockMembers are the members sockOffsetsFrom takes, in its order.
var sockMembers = []kbtf.Member{
	{Struct: "sock_common", Name: "skc_daddr"}, {Struct: "sock_common", Name: "skc_rcv_saddr"},
	{Struct: "sock_common", Name: "skc_dport"}, {Struct: "sock_common", Name: "skc_family"},
	{Struct: "sock_common", Name: "skc_v6_daddr"}, {Struct: "sock_common", Name: "skc_v6_rcv_saddr"},
	{Struct: "sock", Name: "sk_protocol"}, {Struct: "sock", Name: "sk_err"}, {Struct: "sock", Name: "sk_err_soft"},
	{Struct: "sock", Name: "__sk_common"}, {Struct: "inet_sock", Name: "inet_sport"},
}

// sockOffsetsFrom makes sockOffsets of the offsets of sockMembers (-1:
// not found); not ok where one was not found.
func sockOffsetsFrom(offs []int32) sockOffsets {
	// struct sock begins with its sock_common (__sk_common), as every
	// cast from one to the other in the kernel assumes.
	if slices.Contains(offs, -1) || offs[9] != 0 {
		return sockOffsets{}
	}
	o := sockOffsets{ok: true}
	for i, dst := range []*int16{&o.daddr, &o.rcvSaddr, &o.dport, &o.family, &o.v6daddr, &o.v6rcvSaddr, &o.protocol, &o.err, &o.errSoft, nil, &o.sport} {
		if dst == nil {
			continue // __sk_common, checked above
		}
		if offs[i] > 1<<15-1 {
			return sockOffsets{}
		}
		*dst = int16(offs[i])
	}
	return o
}

// btfSpec is the collection of the BTF program: its ring buffer, its
// count of lost events, and the map of the starts.
func btfSpec(buffer int, so sockOffsets, o offsets, allStates bool) *ebpf.CollectionSpec {
	return &ebpf.CollectionSpec{
		Maps: tcpMaps(buffer),
		Programs: map[string]*ebpf.ProgramSpec{
			"inet_sock_set_state": {Name: ProgramNameTCP, Type: ebpf.Tracing, AttachType: ebpf.AttachTraceRawTp, AttachTo: "inet_sock_set_state",
				License: "Dual MIT/GPL", Instructions: btfProgram(so, o, allStates, wakeMark(buffer))},
		},
	}
}

// Where the BTF program keeps the two states in its stack frame.
const (
	stackOld = -56
	stackNew = -64
)

// Offsets in an event of the fields of the tracepoint's record, which
// the BTF program writes itself.
const (
	recOld      = offRecord + 8
	recNew      = offRecord + 12
	recSport    = offRecord + 16
	recDport    = offRecord + 18
	recFamily   = offRecord + 20
	recProtocol = offRecord + 22
	recSaddr    = offRecord + 24
	recDaddr    = offRecord + 28
	recSaddr6   = offRecord + 32
	recDaddr6   = offRecord + 48
)

// btfProgram is the BTF program, in BPF assembly; it does what program
// does (see there), from the socket (ctx[0]) and the states (ctx[1],
// ctx[2]), and writes the same events.
func btfProgram(so sockOffsets, o offsets, allStates bool, wake int32) asm.Instructions {
	ins := asm.Instructions{
		asm.LoadMem(asm.R6, asm.R1, 0, asm.DWord),  // sk
		asm.LoadMem(asm.R2, asm.R1, 8, asm.DWord),  // oldstate
		asm.LoadMem(asm.R3, asm.R1, 16, asm.DWord), // newstate
		asm.StoreMem(asm.RFP, stackOld, asm.R2, asm.DWord),
		asm.StoreMem(asm.RFP, stackNew, asm.R3, asm.DWord),
		// TCP only (see program).
		asm.LoadMem(asm.R4, asm.R6, so.protocol, asm.Half),
		asm.JNE.Imm(asm.R4, 6, "skip"),
		asm.StoreMem(asm.RFP, stackKey, asm.R6, asm.DWord), // the map's key
	}
	ins = append(ins, keepStart(allStates)...)
	ins = append(ins, reserve("reserve", 0)...)
	ins = append(ins, owner(listening(asm.LoadMem(asm.R2, asm.RFP, stackNew, asm.DWord))...)...)
	// The tracepoint's record, from the socket.
	ins = append(ins,
		asm.StoreMem(asm.R7, offRecord, asm.R6, asm.DWord).WithSymbol("record"), // skaddr
		asm.LoadMem(asm.R1, asm.RFP, stackOld, asm.DWord),
		asm.StoreMem(asm.R7, recOld, asm.R1, asm.Word),
		asm.LoadMem(asm.R1, asm.RFP, stackNew, asm.DWord),
		asm.StoreMem(asm.R7, recNew, asm.R1, asm.Word),
		asm.LoadMem(asm.R1, asm.R6, so.dport, asm.Half),
		asm.HostTo(asm.BE, asm.R1, asm.Half), // network order to the host's
		asm.StoreMem(asm.R7, recDport, asm.R1, asm.Half),
		asm.Mov.Imm(asm.R1, 6),
		asm.StoreMem(asm.R7, recProtocol, asm.R1, asm.Half),
	)
	ins = append(ins, copyField(recFamily, asm.R6, so.family, asm.Half)...)
	ins = append(ins, copyField(recSaddr, asm.R6, so.rcvSaddr, asm.Word)...)
	ins = append(ins, copyField(recDaddr, asm.R6, so.daddr, asm.Word)...)
	for _, a := range []struct{ src, dst int16 }{{so.v6rcvSaddr, recSaddr6}, {so.v6daddr, recDaddr6}} {
		for j := int16(0); j < 2; j++ {
			ins = append(ins, copyField(a.dst+8*j, asm.R6, a.src+8*j, asm.DWord)...)
		}
	}
	// The socket's network namespace: its struct net's inode number, 0
	// where not known. The pointer is checked: where the kernel's BTF
	// tags it __rcu (a kernel built with clang), the verifier takes it
	// for one that may be nil, and refuses the program without the test.
	// The inode number is 4 bytes, the event's last 4 are padding.
	ins = append(ins, asm.Mov.Imm(asm.R1, 0), asm.StoreMem(asm.R7, offNetNS, asm.R1, asm.DWord))
	if o.net >= 0 && o.inum >= 0 && max(o.net, o.inum) <= 1<<15-8 {
		ins = append(ins,
			asm.LoadMem(asm.R1, asm.R6, int16(o.net), asm.DWord),
			asm.JEq.Imm(asm.R1, 0, "nonet"),
			asm.LoadMem(asm.R1, asm.R1, int16(o.inum), asm.Word),
			asm.StoreMem(asm.R7, offNetNS, asm.R1, asm.Word),
			asm.Mov.Imm(asm.R1, 0).WithSymbol("nonet"))
	}
	// What is not known, or read only at a change to CLOSE, is zero (a
	// reserved event is not).
	ins = append(ins,
		asm.Mov.Imm(asm.R1, 0),
		asm.StoreMem(asm.R7, recSport, asm.R1, asm.Half),
		asm.StoreMem(asm.R7, offSent, asm.R1, asm.DWord),
		asm.StoreMem(asm.R7, offReceived, asm.R1, asm.DWord),
		asm.StoreMem(asm.R7, offErr, asm.R1, asm.DWord), // and offErrSoft
		// The socket as a tcp_sock, for the local port as the
		// tracepoint takes it (inet_sport: skc_num no longer holds it at
		// a close) and the bytes. Never nil for a TCP socket, but the
		// verifier cannot know.
		asm.Mov.Reg(asm.R1, asm.R6),
		asm.FnSkcToTcpSock.Call(),
		asm.Mov.Reg(asm.R9, asm.R0),
		asm.JEq.Imm(asm.R9, 0, "closed"),
		asm.LoadMem(asm.R1, asm.R9, so.sport, asm.Half),
		asm.HostTo(asm.BE, asm.R1, asm.Half),
		asm.StoreMem(asm.R7, recSport, asm.R1, asm.Half),
		asm.LoadMem(asm.R1, asm.RFP, stackNew, asm.DWord).WithSymbol("closed"),
		asm.JNE.Imm(asm.R1, tcpClose, "submit"),
		asm.LoadMem(asm.R1, asm.R6, so.err, asm.Word),
		asm.StoreMem(asm.R7, offErr, asm.R1, asm.Word),
		asm.LoadMem(asm.R1, asm.RFP, stackOld, asm.DWord),
		asm.JNE.Imm(asm.R1, tcpSynSent, "bytes"),
		// Only a failed connect's soft error is told.
		asm.LoadMem(asm.R1, asm.R6, so.errSoft, asm.Word),
		asm.StoreMem(asm.R7, offErrSoft, asm.R1, asm.Word),
		asm.JEq.Imm(asm.R9, 0, "submit").WithSymbol("bytes"),
	)
	if !o.bytesKnown() || max(o.sent, o.retrans, o.received, o.flags) > 1<<15-8 {
		// Not placed, or past what a load reaches: not known.
		ins = append(ins,
			asm.Mov.Imm(asm.R1, -1), // bytesUnknown
			asm.StoreMem(asm.R7, offSent, asm.R1, asm.DWord),
			asm.StoreMem(asm.R7, offReceived, asm.R1, asm.DWord))
		return append(ins, submit("submit", 0, wake)...)
	}
	ins = append(ins,
		asm.LoadMem(asm.R1, asm.R9, int16(o.sent), asm.DWord),
		asm.LoadMem(asm.R2, asm.R9, int16(o.retrans), asm.DWord),
		asm.LoadMem(asm.R3, asm.R9, int16(o.received), asm.DWord),
		asm.LoadMem(asm.R4, asm.R6, int16(o.flags), asm.DWord))
	ins = append(ins, dataBytes()...)
	return append(ins, submit("submit", 0, wake)...)
}
