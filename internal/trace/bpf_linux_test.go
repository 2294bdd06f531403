package trace

import (
	"encoding/binary"
	"io"
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/sockscope/sockscope/internal/testutil"
)

// TestProgramsAssemble: both programs, with and without every change,
// and with offsets the kernel's BTF did not give, assemble (every label
// found, no instruction the asm package refuses).
func TestProgramsAssemble(t *testing.T) {
	so := sockOffsets{daddr: 0, rcvSaddr: 4, dport: 12, family: 16, v6daddr: 56, v6rcvSaddr: 72, protocol: 532, err: 284, errSoft: 372, sport: 800, ok: true}
	for _, o := range []offsets{{1824, 1752, 284, 372}, {-1, -1, -1, -1}} {
		for _, all := range []bool{false, true} {
			for name, ins := range map[string]asm.Instructions{"tracepoint": program(o, all), "tp_btf": btfProgram(so, o, all)} {
				for _, in := range ins {
					if in.OpCode == asm.InvalidOpCode {
						t.Errorf("%s (offsets %v, every change %v): an invalid instruction", name, o, all)
					}
				}
				if err := ins.Marshal(io.Discard, binary.LittleEndian); err != nil {
					t.Errorf("%s (offsets %v, every change %v): %v", name, o, all, err)
				}
			}
		}
	}
}

// TestOpen loads and attaches each program, with and without every
// change (root: the kernel's verifier is the judge).
func TestOpen(t *testing.T) {
	testutil.RequireRoot(t)
	for _, program := range []string{ProgramBTF, ProgramTracepoint} {
		for _, all := range []bool{false, true} {
			t.Setenv(ProgramEnv, program)
			r, err := Open(0, all)
			if err != nil {
				t.Fatalf("%s (every change %v): %v", program, all, err)
			}
			if r.Program() != program {
				t.Errorf("%s asked, %s loaded", program, r.Program())
			}
			r.Close()
		}
	}
}
