package trace

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"
)

// DefaultBuffer is the ring buffer's size: at 112 bytes an event (and
// the buffer's 8-byte header), some 35,000 state changes can wait for
// the reader.
const DefaultBuffer = 4 << 20

// A Reader reads the state changes of TCP sockets from the kernel.
type Reader struct {
	coll *ebpf.Collection
	tp   link.Link
	rd   *ringbuf.Reader
	rec  ringbuf.Record
	// offset turns CLOCK_MONOTONIC into wall-clock time.
	offset time.Duration
}

// tracefsDirs are where tracefs is found (link.Tracepoint reads the
// tracepoint's id there).
var tracefsDirs = []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}

// Open loads and attaches the tracing program with a ring buffer of
// buffer bytes (a power of two, a multiple of the page size; 0 takes
// DefaultBuffer). Without allStates the program reports only the changes
// that start, establish or end a connection (from or to CLOSE, to
// ESTABLISHED, from LISTEN), what connect, accept, close and fail events
// need; with it, every change. It needs root, or CAP_BPF and CAP_PERFMON; where tracefs
// is not mounted it mounts it at /sys/kernel/tracing, as perf does. The
// error says what is missing.
func Open(buffer int, allStates bool) (*Reader, error) {
	if buffer == 0 {
		buffer = DefaultBuffer
	}
	if err := ensureTracefs(); err != nil {
		return nil, err
	}
	_ = rlimit.RemoveMemlock() // kernels before 5.11 charge maps to RLIMIT_MEMLOCK
	sent, received := byteOffsets()
	spec := &ebpf.CollectionSpec{
		Maps: map[string]*ebpf.MapSpec{
			"events": {Type: ebpf.RingBuf, MaxEntries: uint32(buffer)},
			"lost":   {Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 1},
		},
		Programs: map[string]*ebpf.ProgramSpec{
			"inet_sock_set_state": {Type: ebpf.TracePoint, License: "Dual MIT/GPL", Instructions: program(sent, received, allStates)},
		},
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		return nil, fmt.Errorf("loading the tracing program: %w", err)
	}
	r := &Reader{coll: coll}
	r.tp, err = link.Tracepoint("sock", "inet_sock_set_state", coll.Programs["inet_sock_set_state"], nil)
	if err != nil {
		coll.Close()
		return nil, fmt.Errorf("attaching to the tracepoint sock:inet_sock_set_state: %w", err)
	}
	r.rd, err = ringbuf.NewReader(coll.Maps["events"])
	if err != nil {
		r.Close()
		return nil, err
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

// byteOffsets returns where tcp_sock keeps bytes_acked and
// bytes_received, from the kernel's BTF; -1, -1 where it cannot say (the
// events then carry no byte counts).
func byteOffsets() (sent, received int32) {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		return -1, -1
	}
	var ts *btf.Struct
	if err := spec.TypeByName("tcp_sock", &ts); err != nil {
		return -1, -1
	}
	sent, received = memberOffset(ts.Members, "bytes_acked", 0), memberOffset(ts.Members, "bytes_received", 0)
	if sent < 0 || received < 0 {
		return -1, -1
	}
	return sent, received
}

// memberOffset returns the byte offset of member name in members (found
// in anonymous structs and unions too), -1 if it is not there.
func memberOffset(members []btf.Member, name string, base int32) int32 {
	for _, m := range members {
		off := base + int32(m.Offset/8)
		if m.Name == name {
			return off
		}
		if m.Name == "" {
			switch t := btf.UnderlyingType(m.Type).(type) {
			case *btf.Struct:
				if o := memberOffset(t.Members, name, off); o >= 0 {
					return o
				}
			case *btf.Union:
				if o := memberOffset(t.Members, name, off); o >= 0 {
					return o
				}
			}
		}
	}
	return -1
}

// program is the BPF program, in BPF assembly: for a TCP socket, reserve an event in the ring buffer (or count it lost), write
// the time, the task's PID/TID and name, then the tracepoint's record
// from skaddr to daddr_v6 (eight aligned loads), and, at a change to
// CLOSE, the socket's bytes acknowledged and received (read from
// tcp_sock at the offsets BTF gave; sent and received -1: not read), and
// submit it.
func program(sent, received int32, allStates bool) asm.Instructions {
	ins := asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1), // the tracepoint's record
		asm.LoadMem(asm.R2, asm.R6, 30, asm.Half),
		// TCP only (the protocol): an MPTCP connection's subflows are
		// TCP sockets, and its own socket would repeat their changes.
		asm.JNE.Imm(asm.R2, 6, "skip"),
	}
	if !allStates {
		// Only the changes that start, establish or end a connection
		// or a listener: from or to CLOSE, to ESTABLISHED, from
		// LISTEN (a connection's socket made from its listener's).
		ins = append(ins,
			asm.LoadMem(asm.R2, asm.R6, 16, asm.Word), // oldstate
			asm.LoadMem(asm.R3, asm.R6, 20, asm.Word), // newstate
			asm.JEq.Imm(asm.R2, 7, "tcp"),
			asm.JEq.Imm(asm.R3, 7, "tcp"),
			asm.JEq.Imm(asm.R3, 1, "tcp"),
			asm.JEq.Imm(asm.R2, 10, "tcp"),
			asm.Ja.Label("skip"),
		)
	} else {
		ins = append(ins, asm.Ja.Label("tcp"))
	}
	ins = append(ins,
		asm.Mov.Imm(asm.R0, 0).WithSymbol("skip"),
		asm.Return(),

		asm.LoadMapPtr(asm.R1, 0).WithReference("events").WithSymbol("tcp"),
		asm.Mov.Imm(asm.R2, RawSize),
		asm.Mov.Imm(asm.R3, 0),
		asm.FnRingbufReserve.Call(),
		asm.JNE.Imm(asm.R0, 0, "reserved"),
		// No room: count it lost.
		asm.StoreImm(asm.RFP, -4, 0, asm.Word),
		asm.LoadMapPtr(asm.R1, 0).WithReference("lost"),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -4),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.Mov.Imm(asm.R1, 1),
		asm.StoreXAdd(asm.R0, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),

		asm.Mov.Reg(asm.R7, asm.R0).WithSymbol("reserved"),
		asm.FnKtimeGetNs.Call(),
		asm.StoreMem(asm.R7, offMono, asm.R0, asm.DWord),
		asm.FnGetCurrentPidTgid.Call(),
		asm.StoreMem(asm.R7, offPIDTGID, asm.R0, asm.DWord),
		asm.Mov.Reg(asm.R1, asm.R7),
		asm.Add.Imm(asm.R1, offComm),
		asm.Mov.Imm(asm.R2, 16),
		asm.FnGetCurrentComm.Call(),
	)
	for i := int16(0); i < recordSize/8; i++ {
		ins = append(ins,
			asm.LoadMem(asm.R1, asm.R6, recordFirst+8*i, asm.DWord),
			asm.StoreMem(asm.R7, offRecord+8*i, asm.R1, asm.DWord))
	}
	// The bytes are zero unless read below (a reserved event is not).
	ins = append(ins,
		asm.Mov.Imm(asm.R1, 0),
		asm.StoreMem(asm.R7, offSent, asm.R1, asm.DWord),
		asm.StoreMem(asm.R7, offReceived, asm.R1, asm.DWord),
	)
	if sent >= 0 && received >= 0 {
		ins = append(ins,
			asm.LoadMem(asm.R1, asm.R6, 20, asm.Word), // newstate
			asm.JNE.Imm(asm.R1, int32(7), "submit"),   // TCP_CLOSE
		)
		for _, f := range []struct{ dst, off int32 }{{offSent, sent}, {offReceived, received}} {
			ins = append(ins,
				asm.Mov.Reg(asm.R1, asm.R7),
				asm.Add.Imm(asm.R1, f.dst),
				asm.Mov.Imm(asm.R2, 8),
				asm.LoadMem(asm.R3, asm.R6, recordFirst, asm.DWord), // skaddr
				asm.Add.Imm(asm.R3, f.off),
				asm.FnProbeReadKernel.Call(),
			)
		}
	}
	// Wake the reader only once wakeAt bytes wait (it reads at least
	// every ReadEvery anyway): a wakeup per event would cost more than
	// the event.
	return append(ins,
		asm.LoadMapPtr(asm.R1, 0).WithReference("events").WithSymbol("submit"),
		asm.Mov.Imm(asm.R2, 0), // BPF_RB_AVAIL_DATA
		asm.FnRingbufQuery.Call(),
		asm.Mov.Imm(asm.R8, 1), // BPF_RB_NO_WAKEUP
		asm.JLT.Imm(asm.R0, wakeAt, "send"),
		asm.Mov.Imm(asm.R8, 2), // BPF_RB_FORCE_WAKEUP
		asm.Mov.Reg(asm.R1, asm.R7).WithSymbol("send"),
		asm.Mov.Reg(asm.R2, asm.R8),
		asm.FnRingbufSubmit.Call(),
		asm.Mov.Imm(asm.R0, 0),
		asm.Return(),
	)
}

// wakeAt is how many bytes wait in the ring buffer before the program
// wakes the reader.
const wakeAt = 64 << 10

// ReadEvery is the longest an event waits in the ring buffer before Read
// returns it.
const ReadEvery = 200 * time.Millisecond

// Read blocks until the next state change and decodes it, or returns
// ErrIdle after ReadEvery without one (the caller flushes its output).
func (r *Reader) Read() (Raw, error) {
	r.rd.SetDeadline(time.Now().Add(ReadEvery))
	if err := r.rd.ReadInto(&r.rec); err != nil {
		switch {
		case errors.Is(err, ringbuf.ErrClosed):
			return Raw{}, ErrClosed
		case errors.Is(err, os.ErrDeadlineExceeded):
			return Raw{}, ErrIdle
		}
		return Raw{}, err
	}
	return DecodeRaw(r.rec.RawSample)
}

// Wall turns a time of an event into wall-clock time.
func (r *Reader) Wall(mono uint64) time.Time {
	return time.Unix(0, int64(mono)+int64(r.offset))
}

// Lost returns how many state changes found the ring buffer full.
func (r *Reader) Lost() uint64 {
	var n uint64
	if m := r.coll.Maps["lost"]; m != nil {
		_ = m.Lookup(uint32(0), &n)
	}
	return n
}

// Close detaches the program and frees what it holds; a Read waiting
// returns ErrClosed.
func (r *Reader) Close() error {
	var err error
	if r.rd != nil {
		err = r.rd.Close()
	}
	if r.tp != nil {
		err = errors.Join(err, r.tp.Close())
	}
	r.coll.Close()
	return err
}
