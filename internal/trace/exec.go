package trace

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// Exec is what trace's exec programs keep of a process that executed a
// file while they ran (Reader.ExecOf).
type Exec struct {
	// Path is the file's path as exec was given it (relative where it
	// was, /dev/fd/N for fexecve), or a script's interpreter's, as
	// /proc/PID/exe names it; a longer one is cut at
	// execEntrySize-execPathOff-1 bytes.
	Path string
	// UID is the user it ran as, the effective one (/proc/PID's owner),
	// as exec left it.
	UID int64
	// Cgroup is its cgroup's (v2) ID; Reader.CgroupPath names it.
	Cgroup uint64
}

// An entry of the map "execs", keyed by the process's PID (its thread
// group's): the user's ID and 4 bytes of padding, the cgroup's ID, and the
// path, ended by a NUL.
const (
	execEntrySize = 256
	execUIDOff    = 0
	execCgroupOff = 8
	execPathOff   = 16
)

// decodeExec decodes an entry of the map "execs"; not ok where its path
// is empty.
func decodeExec(b []byte) (Exec, bool) {
	if len(b) < execPathOff {
		return Exec{}, false
	}
	path := b[execPathOff:]
	if i := bytes.IndexByte(path, 0); i >= 0 {
		path = path[:i]
	}
	if len(path) == 0 {
		return Exec{}, false
	}
	return Exec{Path: string(path), UID: int64(binary.NativeEndian.Uint32(b[execUIDOff:])),
		Cgroup: binary.NativeEndian.Uint64(b[execCgroupOff:])}, true
}

// encodeExec writes e into b, an entry of the map "execs"
// (execEntrySize bytes, zeroed first): the inverse of decodeExec, for
// the processes that were running before the programs (seedExecs). A
// path too long for the entry is cut, as the exec program cuts it.
func encodeExec(e Exec, b []byte) {
	clear(b)
	if len(b) < execPathOff+1 {
		return
	}
	binary.NativeEndian.PutUint32(b[execUIDOff:], uint32(e.UID))
	binary.NativeEndian.PutUint64(b[execCgroupOff:], e.Cgroup)
	copy(b[execPathOff:len(b)-1], e.Path)
}

// cgroupRel returns path, a cgroup's directory, relative to the
// hierarchy mounted at root, as /proc/PID/cgroup writes it (from "/").
func cgroupRel(path, root string) string {
	if rel, ok := strings.CutPrefix(path, root); ok && (rel == "" || rel[0] == '/') {
		path = rel
	}
	if path == "" {
		return "/"
	}
	return path
}
