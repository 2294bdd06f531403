package procattr

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

// procRecord and sockRecord make the iterator program's records.
func procRecord(pid int32, start uint64, comm string) []byte {
	b := make([]byte, iterProcSize)
	ne := binary.NativeEndian
	ne.PutUint32(b, iterKindProc)
	ne.PutUint32(b[4:], uint32(pid))
	ne.PutUint64(b[8:], start)
	copy(b[16:], comm)
	return b
}

func sockRecord(fd int32, ino uint64) []byte {
	b := make([]byte, iterSockSize)
	ne := binary.NativeEndian
	ne.PutUint32(b, iterKindSock)
	ne.PutUint32(b[4:], uint32(fd))
	ne.PutUint64(b[8:], ino)
	return b
}

func concat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// TestIterDecoder feeds records cut at every byte, with processes out of
// PID order and one repeated (a thread with its own fd table), and checks
// the processes come out sorted with the entries pointing to them.
func TestIterDecoder(t *testing.T) {
	in := concat(
		procRecord(300, 7, "nginx"), sockRecord(3, 1001), sockRecord(9, 1002),
		procRecord(12, 5, "sixteen-chars-xx"),
		procRecord(40, 6, "sshd"), sockRecord(4, 1003),
		procRecord(300, 7, "nginx"), sockRecord(5, 1004), // a thread of 300 with its own table
	)
	for cut := 0; cut <= len(in); cut++ {
		d := newIterDecoder()
		n, err := d.feed(in[:cut])
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		rest := append(in[n:cut:cut], in[cut:]...)
		if m, err := d.feed(rest); err != nil || m != len(rest) {
			t.Fatalf("cut %d: second feed took %d of %d bytes, err %v", cut, m, len(rest), err)
		}
		procs, blocks := d.finish()
		ents := slices.Concat(blocks...)
		if len(procs) != 3 || procs[0].pid != 12 || procs[1].pid != 40 || procs[2].pid != 300 {
			t.Fatalf("cut %d: processes %+v, want PIDs 12, 40, 300", cut, procs)
		}
		if procs[0].comm != "sixteen-chars-xx" || procs[2].comm != "nginx" || procs[2].start != 7 {
			t.Errorf("cut %d: processes %+v", cut, procs)
		}
		want := []entry{{1001, 2, 3}, {1002, 2, 9}, {1003, 1, 4}, {1004, 2, 5}}
		if len(ents) != len(want) {
			t.Fatalf("cut %d: entries %+v, want %+v", cut, ents, want)
		}
		for i := range want {
			if ents[i] != want[i] {
				t.Errorf("cut %d: entry %d = %+v, want %+v", cut, i, ents[i], want[i])
			}
		}
	}
}

func TestIterDecoderMalformed(t *testing.T) {
	for name, in := range map[string][]byte{
		"socket first": sockRecord(3, 1),
		"unknown kind": concat(procRecord(1, 0, "x"), []byte{9, 0, 0, 0, 0, 0, 0, 0}),
		"PID 0":        procRecord(0, 0, "x"),
		"negative fd":  concat(procRecord(1, 0, "x"), sockRecord(-1, 5)),
		"negative PID": procRecord(-4, 0, "x"),
	} {
		if _, err := newIterDecoder().feed(in); !errors.Is(err, errs.ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzIterDecoder(f *testing.F) {
	f.Add(concat(procRecord(300, 7, "nginx"), sockRecord(3, 1001), procRecord(2, 1, "a"), sockRecord(1, 2)))
	f.Add(sockRecord(3, 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := newIterDecoder()
		n, err := d.feed(b)
		if n < 0 || n > len(b) {
			t.Fatalf("took %d of %d bytes", n, len(b))
		}
		if err == nil && len(b)-n >= iterProcSize {
			t.Fatalf("left %d bytes undecoded without an error", len(b)-n)
		}
		procs, blocks := d.finish()
		ents := slices.Concat(blocks...)
		for i := 1; i < len(procs); i++ {
			if procs[i-1].pid >= procs[i].pid {
				t.Fatalf("processes not sorted: %+v", procs)
			}
		}
		for _, e := range ents {
			if e.proc < 0 || int(e.proc) >= len(procs) {
				t.Fatalf("entry %+v points past %d processes", e, len(procs))
			}
		}
	})
}
