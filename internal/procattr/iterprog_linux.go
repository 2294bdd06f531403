package procattr

import "github.com/cilium/ebpf/asm"

// iterOffsets are the kernel struct members the program reads.
type iterOffsets struct {
	leader, threadPID, start, comm int32 // task_struct
	files                          int32 // task_struct
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
// level being the reader's own), the leader's start time and name (what
// /proc/PID shows). The map last holds the task of the last process record
// written and its fd table (task->files). The iterator visits each thread
// whose table is not its leader's; when the leader has exited that is
// every thread, each with the whole shared table: a task whose table is
// the one just written is passed over. A record that found the output
// buffer full is written again with everything else of its file (the
// kernel shows the file again after the reader took what was there), so
// the map is cleared when a write fails; the first file of a read
// (meta->seq_num 0) starts afresh. For a socket (S_IFSOCK in its inode's
// mode) it writes the fd and the inode.
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
		// Another thread with the table just written: seen already.
		asm.LoadMem(asm.R2, asm.R7, int16(o.files), asm.DWord),
		asm.LoadMem(asm.R3, asm.R0, 8, asm.DWord),
		asm.JEq.Reg(asm.R2, asm.R3, "out"),

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
		asm.LoadMem(asm.R3, asm.R7, int16(o.leader), asm.DWord),
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
		asm.LoadMem(asm.R2, asm.R7, int16(o.files), asm.DWord),
		asm.StoreMem(asm.R1, 8, asm.R2, asm.DWord),

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
		asm.StoreMem(asm.R1, 8, asm.R2, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	}
}
