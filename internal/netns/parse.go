package netns

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/errs"
)

// ParseLink returns the inode of a network namespace link's target as
// readlink gives it for /proc/PID/ns/net ("net:[4026531840]"); ok is false
// for anything else, a link to another kind of namespace included.
func ParseLink(s string) (inode uint64, ok bool) {
	return parseNSRef("net", s)
}

// parseNSRef parses "KIND:[N]" with a decimal N.
func parseNSRef(kind, s string) (uint64, bool) {
	rest, found := strings.CutPrefix(s, kind+":[")
	if !found {
		return 0, false
	}
	digits, found := strings.CutSuffix(rest, "]")
	if !found || digits == "" || digits[0] < '1' || digits[0] > '9' { // the kernel writes no sign or leading zero
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n == 0 {
		return 0, false
	}
	return n, true
}

// A Mount is one line of /proc/PID/mountinfo, the fields this package
// uses.
type Mount struct {
	// Dev is the device of the mounted file system, encoded as stat(2)'s
	// st_dev is on Linux (see Mkdev).
	Dev uint64
	// Root is the path of the mount's root within its file system; for an
	// nsfs bind mount it is the namespace, "net:[4026532281]".
	Root string
	// Point is the mount point, unescaped (mountinfo writes space, tab,
	// newline and backslash as \040, \011, \012, \134).
	Point string
	// FSType is the file system type, with any subtype ("fuse.sshfs").
	FSType string
}

// ParseMountInfoLine parses one line of mountinfo (proc(5)):
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw
//
// It returns an error wrapping errs.ErrMalformed for a line that does not
// have that shape.
func ParseMountInfoLine(line string) (Mount, error) {
	fields := strings.Fields(line)
	// ID, parent, major:minor, root, point, options, optional fields...,
	// "-", fstype, source, super options.
	sep := -1
	for i := 6; i < len(fields); i++ {
		if fields[i] == "-" {
			sep = i
			break
		}
	}
	if sep < 0 || sep+1 >= len(fields) {
		return Mount{}, fmt.Errorf("%w: mountinfo line %q: no file system type", errs.ErrMalformed, truncate(line))
	}
	major, minor, ok := strings.Cut(fields[2], ":")
	if !ok {
		return Mount{}, fmt.Errorf("%w: mountinfo line %q: device %q is not major:minor", errs.ErrMalformed, truncate(line), fields[2])
	}
	ma, err1 := strconv.ParseUint(major, 10, 32)
	mi, err2 := strconv.ParseUint(minor, 10, 32)
	if err1 != nil || err2 != nil {
		return Mount{}, fmt.Errorf("%w: mountinfo line %q: device %q is not major:minor", errs.ErrMalformed, truncate(line), fields[2])
	}
	return Mount{
		Dev:    Mkdev(uint32(ma), uint32(mi)),
		Root:   unescapeMount(fields[3]),
		Point:  unescapeMount(fields[4]),
		FSType: fields[sep+1],
	}, nil
}

// truncate shortens untrusted text quoted in an error.
func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// unescapeMount undoes the kernel's octal escapes (\040 ...) in a
// mountinfo path; a backslash not followed by three octal digits stays.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			v := (s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0')
			if s[i+1] <= '3' { // a byte: \400 and up are not escapes
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// A BindMount is a network namespace file (nsfs) mounted somewhere, as ip
// netns, the container runtimes and anyone with mount --bind make them.
type BindMount struct {
	Dev   uint64 // the nsfs device
	Inode uint64 // the namespace
	Path  string // the mount point
}

// ParseMountInfo returns the network namespaces bind-mounted in a
// mountinfo file's text, in its order, and the lines it could not parse
// (as errors wrapping errs.ErrMalformed); an empty or partial file gives
// what it holds.
func ParseMountInfo(data string) (mounts []BindMount, bad []error) {
	for len(data) > 0 {
		line, rest, _ := strings.Cut(data, "\n")
		data = rest
		// Cheap filter first: only nsfs lines matter, and most hosts
		// have hundreds of others.
		if !strings.Contains(line, "nsfs") || !strings.Contains(line, "net:[") {
			continue
		}
		m, err := ParseMountInfoLine(line)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		if m.FSType != "nsfs" {
			continue
		}
		ino, ok := ParseLink(m.Root)
		if !ok {
			continue
		}
		mounts = append(mounts, BindMount{Dev: m.Dev, Inode: ino, Path: m.Point})
	}
	return mounts, bad
}

// Mkdev encodes a device number as Linux's stat(2) gives it in st_dev
// (glibc's makedev), so that a mountinfo major:minor compares with it.
func Mkdev(major, minor uint32) uint64 {
	ma, mi := uint64(major), uint64(minor)
	return (ma&0x00000fff)<<8 | (ma&0xfffff000)<<32 | (mi & 0x000000ff) | (mi&0xffffff00)<<12
}
