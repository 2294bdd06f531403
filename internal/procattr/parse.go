package procattr

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/errs"
)

// This file holds the pure decoders of the /proc files attribution reads.
// They take bytes, never touch the file system, and carry no build tags, so
// they are tested and fuzzed on every OS.

// socketPrefix is how the kernel names a socket in a /proc/PID/fd link:
// "socket:[12345]" (sockfs_dname in net/socket.c).
const socketPrefix = "socket:["

// socketInode returns the inode of a /proc/PID/fd link target of the form
// "socket:[N]". It reports false for any other target (pipes, files,
// anon inodes) and for a malformed or overflowing number. It does not
// allocate: it runs once per open fd on the machine.
func socketInode(link []byte) (uint64, bool) {
	const p = len(socketPrefix)
	if len(link) < p+2 || link[len(link)-1] != ']' || string(link[:p]) != socketPrefix {
		return 0, false
	}
	var v uint64
	for _, c := range link[p : len(link)-1] {
		d := uint64(c - '0')
		if d > 9 {
			return 0, false
		}
		if v > (1<<64-1-d)/10 {
			return 0, false // overflow
		}
		v = v*10 + d
	}
	return v, true
}

// parseFD returns the fd number a /proc/PID/fd entry name stands for. It
// reports false for ".", "..", anything non-numeric and numbers that do not
// fit an int32 (the kernel caps fds far below that).
func parseFD(name []byte) (int32, bool) {
	v, ok := parseUint32(name)
	if !ok || v > 1<<31-1 {
		return 0, false
	}
	return int32(v), true
}

// statFields are the fields of /proc/PID/stat attribution uses.
type statFields struct {
	Comm  string
	PPID  int32
	Flags uint32 // PF_* flags of the task (include/linux/sched.h)
}

// pfKthread marks a kernel thread in statFields.Flags (PF_KTHREAD).
const pfKthread = 0x00200000

// parseStat decodes /proc/PID/stat ("PID (COMM) STATE PPID PGRP SESSION
// TTY TPGID FLAGS ..."). COMM is the text between the first '(' and the
// LAST ')', since a command name may itself contain spaces and
// parentheses. FLAGS is 0 if the line stops before it. It returns an error
// wrapping errs.ErrMalformed, quoting the input, if the line does not have
// that shape.
func parseStat(b []byte) (statFields, error) {
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return statFields{}, parseError("/proc/PID/stat", b, "no (comm)")
	}
	f := fieldsN(b[end+1:], 7)
	if len(f) < 2 || len(f[0]) != 1 {
		return statFields{}, parseError("/proc/PID/stat", b, "no state and ppid after comm")
	}
	ppid, ok := parseInt32(f[1])
	if !ok {
		return statFields{}, parseError("/proc/PID/stat", b, "bad ppid")
	}
	st := statFields{Comm: string(b[open+1 : end]), PPID: ppid}
	if len(f) == 7 {
		if st.Flags, ok = parseUint32(f[6]); !ok {
			return statFields{}, parseError("/proc/PID/stat", b, "bad flags")
		}
	}
	return st, nil
}

// parseStartTime returns the start time of /proc/PID/stat (its 22nd
// field, in clock ticks since boot), and false if the line does not have
// one.
func parseStartTime(b []byte) (uint64, bool) {
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return 0, false
	}
	f := fieldsN(b[end+1:], 20)
	if len(f) < 20 || len(f[19]) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range f[19] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, len(f[19]) > 0
}

// parseBoottimeOffset returns the boot time offset of a time namespace
// from /proc/PID/timens_offsets ("boottime SECS NSECS"), in ns, and false
// if it has no such line.
func parseBoottimeOffset(b []byte) (int64, bool) {
	for line := range lines(b) {
		f := fieldsN(line, 3)
		if len(f) != 3 || string(f[0]) != "boottime" {
			continue
		}
		sec, err1 := strconv.ParseInt(string(f[1]), 10, 64)
		nsec, err2 := strconv.ParseInt(string(f[2]), 10, 64)
		if err1 != nil || err2 != nil || sec > 1<<33 || sec < -(1<<33) || nsec < 0 || nsec >= 1e9 {
			return 0, false
		}
		return sec*1e9 + nsec, true
	}
	return 0, false
}

// parseStatusUID returns the effective uid from the "Uid:" line of
// /proc/PID/status ("Uid:\treal\teffective\tsaved\tfs"). The effective uid
// is the identity the process acts with, as ps's USER column shows. It
// returns an error wrapping errs.ErrMalformed if there is no valid line.
func parseStatusUID(b []byte) (uint32, error) {
	for line := range lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte("Uid:"))
		if !ok {
			continue
		}
		f := fieldsN(rest, 2)
		if len(f) < 2 {
			return 0, parseError("/proc/PID/status", line, "short Uid line")
		}
		uid, ok := parseUint32(f[1])
		if !ok {
			return 0, parseError("/proc/PID/status", line, "bad effective uid")
		}
		return uid, nil
	}
	return 0, parseError("/proc/PID/status", nil, "no Uid line")
}

// parseCmdline splits /proc/PID/cmdline at its NUL separators. A trailing
// NUL is dropped; an empty file (kernel threads, zombies) gives nil. A
// process that rewrote its arguments with spaces (setproctitle) comes back
// as one element. All elements share one string allocation.
func parseCmdline(b []byte) []string {
	b = bytes.TrimSuffix(b, []byte{0})
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	args := make([]string, 0, bytes.Count(b, []byte{0})+1)
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			return append(args, s)
		}
		args = append(args, s[:i])
		s = s[i+1:]
	}
}

// deletedSuffix is what the kernel appends to the path of an unlinked file
// (d_path in fs/d_path.c).
const deletedSuffix = " (deleted)"

// trimDeleted strips the " (deleted)" suffix the kernel appends to
// /proc/PID/exe when the executable was unlinked, and reports whether it
// did. A path that really ends in " (deleted)" cannot be told apart.
func trimDeleted(exe string) (string, bool) {
	if s, ok := strings.CutSuffix(exe, deletedSuffix); ok && s != "" {
		return s, true
	}
	return exe, false
}

// parseError returns an error wrapping errs.ErrMalformed that names the file
// and quotes (a prefix of) the raw input.
func parseError(file string, input []byte, why string) error {
	const max = 200
	if len(input) > max {
		input = input[:max]
	}
	return fmt.Errorf("%w: %s: %s: %q", errs.ErrMalformed, file, why, input)
}

// fieldsN returns up to n leading space- or tab-separated fields of b,
// without allocating beyond the result.
func fieldsN(b []byte, n int) [][]byte {
	out := make([][]byte, 0, n)
	for len(out) < n {
		for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
			b = b[1:]
		}
		if len(b) == 0 {
			break
		}
		i := 0
		for i < len(b) && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' {
			i++
		}
		if i == 0 {
			break
		}
		out = append(out, b[:i])
		b = b[i:]
	}
	return out
}

func parseUint32(b []byte) (uint32, bool) {
	if len(b) == 0 || len(b) > 10 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if v > 1<<32-1 {
		return 0, false
	}
	return uint32(v), true
}

func parseInt32(b []byte) (int32, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	v, ok := parseUint32(b)
	if !ok || v > 1<<31-1 {
		return 0, false
	}
	if neg {
		return -int32(v), true
	}
	return int32(v), true
}
