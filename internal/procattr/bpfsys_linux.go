package procattr

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"strings"
	"unsafe"

	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"
)

// The bpf system calls the task_file iterator needs, made directly (see
// loadIter for why not through cilium/ebpf's loader).

// bpf calls the bpf system call with the attribute struct attr, again
// (up to 5 times) where it is interrupted or the kernel says to retry.
func bpf[T any](cmd int, attr *T) (int, error) {
	for try := 0; ; try++ {
		fd, _, e := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(unsafe.Pointer(attr)), unsafe.Sizeof(*attr))
		switch {
		case e == 0:
			return int(fd), nil
		case (e == unix.EINTR || e == unix.EAGAIN) && try < 5:
			continue
		}
		return -1, e
	}
}

// bpfMapCreate creates the program's map: an array of one 16-byte value.
func bpfMapCreate() (int, error) {
	attr := struct{ mapType, keySize, valueSize, maxEntries, flags uint32 }{unix.BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0}
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
	// The attribute holds the addresses of code and license as numbers,
	// which keep nothing alive: KeepAlive does, until the calls are over.
	defer runtime.KeepAlive(code.Bytes())
	defer runtime.KeepAlive(license)
	fd, err := bpf(unix.BPF_PROG_LOAD, &attr)
	if err == nil {
		return fd, nil
	}
	log := make([]byte, 64<<10)
	attr.logLevel, attr.logSize, attr.logBuf = 1, uint32(len(log)), uint64(uintptr(unsafe.Pointer(&log[0])))
	fd, err2 := bpf(unix.BPF_PROG_LOAD, &attr)
	runtime.KeepAlive(log)
	if err2 == nil {
		return fd, nil // the first failure passed
	}
	if n := bytes.IndexByte(log, 0); n > 0 {
		lines := strings.Split(strings.TrimSpace(string(log[:n])), "\n")
		return -1, fmt.Errorf("%w: %s", err, lines[len(lines)-1])
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
