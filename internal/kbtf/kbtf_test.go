package kbtf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/sockscope/sockscope/internal/errs"
)

// builder writes a BTF blob: types, then strings.
type builder struct {
	types, strs []byte
	n           uint32 // types written
}

func newBuilder() *builder { return &builder{strs: []byte{0}} }

func (b *builder) str(s string) uint32 {
	if s == "" {
		return 0
	}
	off := uint32(len(b.strs))
	b.strs = append(append(b.strs, s...), 0)
	return off
}

// typ appends a type and returns its ID.
func (b *builder) typ(name string, kind, vlen uint32, kflag bool, sizeOrType uint32, data ...uint32) uint32 {
	info := kind<<24 | vlen
	if kflag {
		info |= 1 << 31
	}
	for _, v := range append([]uint32{b.str(name), info, sizeOrType}, data...) {
		b.types = binary.LittleEndian.AppendUint32(b.types, v)
	}
	b.n++
	return b.n
}

func (b *builder) bytes() []byte {
	hdr := make([]byte, 24)
	le := binary.LittleEndian
	le.PutUint16(hdr, 0xeb9f)
	hdr[2] = 1
	le.PutUint32(hdr[4:], 24)
	le.PutUint32(hdr[8:], 0)
	le.PutUint32(hdr[12:], uint32(len(b.types)))
	le.PutUint32(hdr[16:], uint32(len(b.types)))
	le.PutUint32(hdr[20:], uint32(len(b.strs)))
	return append(append(hdr, b.types...), b.strs...)
}

// fixture is a small BTF: an int, a struct "task" whose "tgid" sits in
// an anonymous union defined after it and whose "comm" follows a
// bitfield (kind_flag offsets), an enum, a function proto and the
// function "bpf_iter_task".
func fixture() []byte {
	b := newBuilder()
	u32 := b.typ("unsigned int", kindInt, 0, false, 4, 32)                  // 1
	b.typ("unrelated", kindEnum, 2, false, 4, b.str("A"), 0, b.str("B"), 1) // 2
	task := b.typ("task", kindStruct, 3, true, 64,                          // 3
		b.str("flags"), u32, 3<<24, // a 3-bit bitfield at bit 0
		0, 5, 64, // the anonymous union (type 5) at byte 8
		b.str("comm"), u32, 128) // byte 16
	b.typ("", kindFuncProto, 1, false, 0, b.str("t"), task) // 4
	b.typ("", kindUnion, 2, false, 8,                       // 5
		b.str("tgid"), u32, 32, // byte 4 of the union
		b.str("other"), u32, 0)
	b.typ("bpf_iter_task", kindFunc, 0, false, 4) // 6
	return b.bytes()
}

// TestFindEach: the members findEach found have their offsets, those not found
// (no such member, no such struct) -1, in the order asked.
func TestFindEach(t *testing.T) {
	offs, err := findEach(fixture(), []Member{{"task", "comm"}, {"task", "nope"}, {"nostruct", "tgid"}, {"task", "tgid"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int32{16, -1, -1, 12}; !slices.Equal(offs, want) {
		t.Errorf("offsets %v, want %v", offs, want)
	}
	if _, err := findEach([]byte{0x9f}, []Member{{"task", "comm"}}); !errors.Is(err, errs.ErrMalformed) {
		t.Errorf("a BTF of one byte: %v, want ErrMalformed", err)
	}
}

func TestFindFixture(t *testing.T) {
	offs, ids, err := Find(fixture(), []Member{{"task", "comm"}, {"task", "tgid"}, {"task", "flags"}}, []string{"bpf_iter_task"})
	if err != nil {
		t.Fatal(err)
	}
	if offs[0] != 16 || offs[1] != 12 || offs[2] != 0 {
		t.Errorf("offsets %v, want [16 12 0]", offs)
	}
	if ids[0] != 6 {
		t.Errorf("function ID %d, want 6", ids[0])
	}
	for _, m := range []Member{{"task", "nope"}, {"nostruct", "tgid"}} {
		if _, _, err := Find(fixture(), []Member{m}, nil); !errors.Is(err, ErrNotFound) {
			t.Errorf("%v: err = %v, want ErrNotFound", m, err)
		}
	}
	if _, _, err := Find(fixture(), nil, []string{"task"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a struct's name as a function: err = %v, want ErrNotFound", err)
	}
}

func TestFindMalformed(t *testing.T) {
	good := fixture()
	for name, in := range map[string][]byte{
		"empty":     nil,
		"bad magic": append([]byte{1, 2}, good[2:]...),
		"cut":       good[:40],
		"unknown kind": func() []byte {
			b := bytes.Clone(good)
			b[24+7] = 31 // the first type's kind
			return b
		}(),
	} {
		if _, _, err := Find(in, []Member{{"task", "comm"}}, nil); !errors.Is(err, errs.ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

// TestLookupKernel checks Lookup against cilium/ebpf's decoding of the
// running kernel's BTF.
func TestLookupKernel(t *testing.T) {
	if _, err := os.Stat(Path); err != nil {
		t.Skip("no kernel BTF:", err)
	}
	members := []Member{{"task_struct", "tgid"}, {"task_struct", "comm"}, {"task_struct", "start_boottime"},
		{"file", "f_inode"}, {"inode", "i_ino"}, {"inode", "i_mode"}, {"sock_common", "skc_state"}, {"tcp_sock", "bytes_acked"},
		// trace's: members of sock_common's anonymous unions and structs.
		{"sock_common", "skc_daddr"}, {"sock_common", "skc_dport"}, {"sock_common", "skc_v6_rcv_saddr"}, {"sock", "sk_err_soft"}, {"inet_sock", "inet_sport"}}
	offs, ids, err := Lookup(members, []string{"bpf_iter_task_file"})
	if err != nil {
		t.Fatal(err)
	}
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range members {
		var s *btf.Struct
		if err := spec.TypeByName(m.Struct, &s); err != nil {
			t.Fatal(err)
		}
		if want := memberOffset(s.Members, m.Name, 0); offs[i] != want {
			t.Errorf("%s.%s at %d, cilium/ebpf says %d", m.Struct, m.Name, offs[i], want)
		}
	}
	var fn *btf.Func
	if err := spec.TypeByName("bpf_iter_task_file", &fn); err != nil {
		t.Fatal(err)
	}
	if want, _ := spec.TypeID(fn); ids[0] != uint32(want) {
		t.Errorf("bpf_iter_task_file has ID %d, cilium/ebpf says %d", ids[0], want)
	}
}

// memberOffset is the offset cilium/ebpf's types give.
func memberOffset(members []btf.Member, name string, base int32) int32 {
	for _, m := range members {
		off := base + int32(m.Offset/8)
		if m.Name == name {
			return off
		}
		if m.Name == "" {
			var inner []btf.Member
			switch t := btf.UnderlyingType(m.Type).(type) {
			case *btf.Struct:
				inner = t.Members
			case *btf.Union:
				inner = t.Members
			}
			if o := memberOffset(inner, name, off); o >= 0 {
				return o
			}
		}
	}
	return -1
}

func BenchmarkLookup(b *testing.B) {
	if _, err := os.Stat(Path); err != nil {
		b.Skip("no kernel BTF:", err)
	}
	for b.Loop() {
		if _, _, err := Lookup([]Member{{"task_struct", "tgid"}, {"file", "f_inode"}}, []string{"bpf_iter_task_file"}); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzFind(f *testing.F) {
	f.Add(fixture())
	f.Fuzz(func(t *testing.T, b []byte) {
		Find(b, []Member{{"task", "tgid"}}, []string{"bpf_iter_task"})
	})
}
