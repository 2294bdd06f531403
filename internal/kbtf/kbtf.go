// Package kbtf finds where the running kernel keeps a field of one of its
// structs, and the type ID of a kernel function, from the kernel's BTF
// (/sys/kernel/btf/vmlinux), for the BPF programs sockscope assembles in
// Go: they read kernel memory at those offsets instead of being compiled
// against one kernel's headers (what CO-RE relocations do for C programs),
// and an iterator or tracing program names the function it attaches to by
// its BTF ID.
//
// The BTF is streamed, never held: a listing that attributes owners
// through a BPF iterator pays a few milliseconds for the lookups, where
// decoding the whole 5 MB of types (cilium/ebpf's btf package) costs a
// quarter of a second and 15 MB.
package kbtf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/sockscope/sockscope/internal/errs"
)

// Path is where the kernel publishes its own BTF.
const Path = "/sys/kernel/btf/vmlinux"

// A Member names a member of a kernel struct.
type Member struct{ Struct, Name string }

// ErrNotFound is wrapped by Lookup's error when a struct, member or
// function is not in the BTF.
var ErrNotFound = errors.New("not in the kernel's BTF")

// Lookup reads the kernel's BTF and returns the byte offset of each
// member (members of the struct's anonymous structs and unions included)
// and the type ID of each function.
func Lookup(members []Member, funcs []string) (offsets []int32, ids []uint32, err error) {
	b, release, err := load()
	if err != nil {
		return nil, nil, fmt.Errorf("the kernel's BTF: %w", err)
	}
	defer release()
	return Find(b, members, funcs)
}

// LookupEach is Lookup for members some of which a kernel may not have:
// their offsets are -1, where Lookup would fail. It reads the BTF once
// for all of them (a read is some milliseconds).
func LookupEach(members []Member) ([]int32, error) {
	b, release, err := load()
	if err != nil {
		return nil, fmt.Errorf("the kernel's BTF: %w", err)
	}
	defer release()
	return findEach(b, members)
}

// BTF kinds (include/uapi/linux/btf.h) and the sizes of what follows a
// type's 12-byte header.
const (
	kindInt       = 1
	kindPtr       = 2
	kindArray     = 3
	kindStruct    = 4
	kindUnion     = 5
	kindEnum      = 6
	kindFwd       = 7
	kindTypedef   = 8
	kindVolatile  = 9
	kindConst     = 10
	kindRestrict  = 11
	kindFunc      = 12
	kindFuncProto = 13
	kindVar       = 14
	kindDatasec   = 15
	kindFloat     = 16
	kindDeclTag   = 17
	kindTypeTag   = 18
	kindEnum64    = 19
)

// extra returns the size of the data after a type's header, or -1 for
// an unknown kind.
func extra(kind, vlen uint32) int {
	switch kind {
	case kindInt, kindVar, kindDeclTag:
		return 4
	case kindPtr, kindFwd, kindTypedef, kindVolatile, kindConst, kindRestrict, kindFunc, kindFloat, kindTypeTag:
		return 0
	case kindArray:
		return 12
	case kindStruct, kindUnion, kindDatasec, kindEnum64:
		return 12 * int(vlen)
	case kindEnum, kindFuncProto:
		return 8 * int(vlen)
	}
	return -1
}

// Find is Lookup on the BTF in b. It returns an error wrapping
// errs.ErrMalformed if b is not BTF or is cut short, and one wrapping
// ErrNotFound naming the first thing it could not find.
func Find(b []byte, members []Member, funcs []string) (offsets []int32, ids []uint32, err error) {
	s, err := find(b, members, funcs)
	if err != nil {
		return nil, nil, err
	}
	for i, o := range s.offsets {
		if o < 0 {
			return nil, nil, fmt.Errorf("struct %s member %s: %w", members[i].Struct, members[i].Name, ErrNotFound)
		}
	}
	for i, id := range s.ids {
		if id == 0 {
			return nil, nil, fmt.Errorf("function %s: %w", funcs[i], ErrNotFound)
		}
	}
	return s.offsets, s.ids, nil
}

// findEach is LookupEach's search in b: Find for members only, -1 the
// offset of one not found.
func findEach(b []byte, members []Member) ([]int32, error) {
	s, err := find(b, members, nil)
	if err != nil {
		return nil, err
	}
	return s.offsets, nil
}

// find is the search of Find and findEach: offsets -1 and ids 0 for
// what it did not find.
func find(b []byte, members []Member, funcs []string) (*search, error) {
	if len(b) < 24 {
		return nil, malformed("no header")
	}
	bo, ok := order(b[:2])
	if !ok {
		return nil, malformed("bad magic %#x", b[:2])
	}
	hdrLen, typeOff, typeLen := uint64(bo.Uint32(b[4:])), uint64(bo.Uint32(b[8:])), uint64(bo.Uint32(b[12:]))
	strOff, strLen := uint64(bo.Uint32(b[16:])), uint64(bo.Uint32(b[20:]))
	if hdrLen < 24 || hdrLen+typeOff+typeLen > uint64(len(b)) || hdrLen+strOff+strLen > uint64(len(b)) {
		return nil, malformed("sections out of range")
	}
	types := b[hdrLen+typeOff : hdrLen+typeOff+typeLen]
	strs := b[hdrLen+strOff : hdrLen+strOff+strLen]

	// The names wanted, and where the string section has them.
	names := make(map[string]uint32)
	for _, m := range members {
		names[m.Struct], names[m.Name] = 0, 0
	}
	for _, f := range funcs {
		names[f] = 0
	}
	findStrings(strs, names)

	s := &search{bo: bo, members: members, funcs: funcs,
		offsets: make([]int32, len(members)), ids: make([]uint32, len(funcs))}
	for i := range s.offsets {
		s.offsets[i] = -1
	}
	for _, m := range members {
		s.structName = append(s.structName, names[m.Struct])
		s.memberName = append(s.memberName, names[m.Name])
	}
	for _, f := range funcs {
		s.funcName = append(s.funcName, names[f])
	}
	// Each pass finds the wanted structs' members and the anonymous
	// structs and unions they contain; a member inside one is found in a
	// later pass (the type may come after the struct that uses it).
	for pass := 0; pass < 4; pass++ {
		s.first, s.next = pass == 0, map[uint32][]anon{}
		if err := s.scan(types); err != nil {
			return nil, err
		}
		s.pending = s.next
		if len(s.pending) == 0 || !slices.Contains(s.offsets, -1) {
			break
		}
	}
	return s, nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: BTF: %s", errs.ErrMalformed, fmt.Sprintf(format, args...))
}

// order returns the byte order the magic 0xeB9F is written in.
func order(magic []byte) (binary.ByteOrder, bool) {
	switch {
	case magic[0] == 0x9f && magic[1] == 0xeb:
		return binary.LittleEndian, true
	case magic[0] == 0xeb && magic[1] == 0x9f:
		return binary.BigEndian, true
	}
	return nil, false
}

// findStrings sets names[s] to the offset of s in the string section
// strs; names not there keep 0, the empty string's offset.
func findStrings(strs []byte, names map[string]uint32) {
	// Most of the section's 100,000 names have a length no wanted name
	// has: test that before hashing.
	var lens [256]bool
	for name := range names {
		lens[min(len(name), 255)] = true
	}
	for off := 0; off < len(strs); {
		n := bytes.IndexByte(strs[off:], 0)
		if n < 0 {
			return // not NUL-terminated: not a name
		}
		if n > 0 && lens[min(n, 255)] {
			if o, ok := names[string(strs[off:off+n])]; ok && o == 0 {
				names[string(strs[off:off+n])] = uint32(off)
			}
		}
		off += n + 1
	}
}

// anon is an anonymous struct or union inside a wanted struct: its
// members are the struct's, at base.
type anon struct {
	owner string // the wanted struct
	base  int32
}

// search is the state of Find's passes over the types.
type search struct {
	bo      binary.ByteOrder
	members []Member
	funcs   []string
	// The string offsets of the names wanted, by member and function.
	structName, memberName, funcName []uint32
	offsets                          []int32
	ids                              []uint32
	// pending are the anonymous types this pass looks into, next those
	// the following pass will; first is set for the first pass, the only
	// one that looks at named types.
	pending, next map[uint32][]anon
	first         bool
}

// scan reads the type section once.
func (s *search) scan(types []byte) error {
	id := uint32(1)
	for off := 0; off < len(types); id++ {
		if len(types)-off < 12 {
			return malformed("type section ends inside type %d", id)
		}
		info := s.bo.Uint32(types[off+4:])
		kind, vlen := info>>24&0x1f, info&0xffff
		x := extra(kind, vlen)
		if x < 0 {
			return malformed("type %d of unknown kind %d", id, kind)
		}
		if len(types)-off < 12+x {
			return malformed("type section ends inside type %d", id)
		}
		s.visit(id, kind, info>>31 == 1, s.bo.Uint32(types[off:]), types[off+12:off+12+x])
		off += 12 + x
	}
	return nil
}

// visit looks at type id: a wanted function, a wanted struct's members,
// or an anonymous type a wanted struct holds.
func (s *search) visit(id, kind uint32, kflag bool, nameOff uint32, data []byte) {
	switch kind {
	case kindFunc:
		if s.first && nameOff != 0 {
			for i, name := range s.funcName {
				if s.ids[i] == 0 && name == nameOff {
					s.ids[i] = id
				}
			}
		}
	case kindStruct, kindUnion:
		if !s.first {
			for _, a := range s.pending[id] {
				s.members1(a.owner, a.base, kflag, data)
			}
			return
		}
		if nameOff == 0 || kind != kindStruct {
			return
		}
		for i, name := range s.structName {
			if name == nameOff {
				s.members1(s.members[i].Struct, 0, kflag, data)
				return
			}
		}
	}
}

// members1 records the offsets of the wanted members of struct owner
// among the members in data (12 bytes each: name, type, offset), at base,
// and the anonymous ones to look into next.
func (s *search) members1(owner string, base int32, kflag bool, data []byte) {
	for len(data) >= 12 {
		name, typ, bits := s.bo.Uint32(data), s.bo.Uint32(data[4:]), s.bo.Uint32(data[8:])
		data = data[12:]
		if kflag {
			bits &= 0xffffff // the high byte is a bitfield's size
		}
		off := base + int32(bits/8)
		if name == 0 {
			s.next[typ] = append(s.next[typ], anon{owner, off})
			continue
		}
		for i, m := range s.members {
			if s.offsets[i] < 0 && s.memberName[i] == name && m.Struct == owner {
				s.offsets[i] = off
			}
		}
	}
}
