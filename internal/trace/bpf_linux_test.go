package trace

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/cilium/ebpf/asm"

	"github.com/sockscope/sockscope/internal/netns"
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

// TestReaderWakes: after a read that found nothing for ReadEvery, a
// burst of connections (in a namespace of the test's own) wakes the
// reader once 64 KiB of events wait, well before ReadEvery again (the
// reader waits in Go's poller; without the wakeup it would see them only
// at the deadline). Three rounds.
func TestReaderWakes(t *testing.T) {
	testutil.RequireRoot(t)
	ns := testutil.NewNetNS(t)
	r, err := Open(0, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var ln net.Listener
	if err := netns.DoPath(ns.Path, func() (err error) { ln, err = net.Listen("tcp", "127.0.0.1:0"); return err }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	var raw Raw
	for round := range 3 {
		for r.ReadInto(&raw) != ErrIdle { // what is there, then a wait of ReadEvery
		}
		start := time.Now()
		go netns.DoPath(ns.Path, func() error {
			for range 300 { // some 1,200 events, 150 KiB
				if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
					c.Close()
				}
			}
			return nil
		})
		err := r.ReadInto(&raw)
		if took := time.Since(start); err != nil || took > ReadEvery*3/4 {
			t.Errorf("round %d: the first event of a burst after %v (%v), want it well before %v", round, took, err, ReadEvery)
		}
		time.Sleep(ReadEvery)
	}
}
