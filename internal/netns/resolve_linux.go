package netns

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/procfs"
)

// Resolve returns the network namespace a user named with --netns VALUE:
//
//   - a PID (digits): the namespace of that process, /proc/PID/ns/net
//     (if no such process runs but ip netns has a namespace of that name,
//     that one); "pid:PID", the name a listing gives a namespace known
//     by its process, means the same unless ip netns has a namespace of
//     that name;
//   - a path (with a "/"): an nsfs file of a network namespace, as
//     /run/netns/NAME, /proc/PID/ns/net or a bind mount;
//   - else a name under /run/netns (ip netns list).
//
// Input that names no network namespace is an error wrapping
// errs.ErrInvalid, with one line saying why ("no network namespace named
// X (see ip netns list)", "process 123 does not exist"); a namespace that
// exists but cannot be opened (permission) is an *Error. The NetNS has
// Inode, Dev, Paths, the ip netns name where one of the names in
// /run/netns is the same namespace, and the PID when one was given.
func Resolve(value string, opts *Options) (NetNS, error) {
	ipDir := IPNetNSDir
	for _, d := range opts.dirs() {
		if d.Runtime == "" && !strings.Contains(d.Path, "*") {
			ipDir = d.Path
			break
		}
	}
	if pid, ok := strings.CutPrefix(value, "pid:"); ok && isDigits(pid) && pid != "" {
		if _, err := os.Lstat(filepath.Join(ipDir, value)); err != nil {
			value = pid
		}
	}
	switch {
	case value == "":
		return NetNS{}, errs.Invalidf("empty network namespace (a name under %s, a path or a PID)", ipDir)
	case isDigits(value):
		pid, err := strconv.ParseInt(value, 10, 32)
		if err == nil && pid > 0 {
			fs := procfs.Default()
			p := fs.Path(value, "ns", "net")
			if _, err := os.Lstat(fs.Path(value)); err == nil {
				n, err := resolveFile(p, value, ipDir)
				if err == nil {
					n.PIDs = []int32{int32(pid)}
					if n.IPName == "" {
						n.Name = "pid:" + value
					}
				}
				return n, err
			}
		}
		if _, err := os.Lstat(filepath.Join(ipDir, value)); err == nil {
			return resolveFile(filepath.Join(ipDir, value), value, ipDir)
		}
		return NetNS{}, errs.Invalidf("process %s does not exist", value)
	case strings.Contains(value, "/"):
		return resolveFile(value, value, ipDir)
	case value == "." || value == "..":
		return NetNS{}, errs.Invalidf("%q is not a network namespace name", value)
	}
	p := filepath.Join(ipDir, value)
	if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
		return NetNS{}, errs.Invalidf("no network namespace named %q (see ip netns list)", value)
	}
	return resolveFile(p, value, ipDir)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// resolveFile opens p, checks that it is a network namespace, and names
// it by its ip netns name if it has one in ipDir, else by what.
func resolveFile(p, what, ipDir string) (NetNS, error) {
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENOTDIR):
		return NetNS{}, errs.Invalidf("%s: no such file (a network namespace is a name under %s, a path to one or a PID)", p, ipDir)
	case err != nil:
		return NetNS{}, &Error{NS: NetNS{Name: what, Paths: []string{p}}, Err: &os.PathError{Op: "open", Path: p, Err: err}}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return NetNS{}, &Error{NS: NetNS{Name: what, Paths: []string{p}}, Err: os.NewSyscallError("fstat", err)}
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return NetNS{}, errs.Invalidf("%s is a directory, not a network namespace", p)
	}
	typ, err := unix.IoctlRetInt(fd, nsGetNSType)
	if err != nil {
		return NetNS{}, errs.Invalidf("%s is not a namespace file", p)
	}
	if typ != unix.CLONE_NEWNET {
		return NetNS{}, errs.Invalidf("%s is a namespace of another kind, not a network namespace", p)
	}
	n := NetNS{Inode: st.Ino, Dev: st.Dev, Name: what, Paths: []string{p}}
	if ip := ipName(ipDir, st.Dev, st.Ino); ip != "" {
		n.IPName, n.Name = ip, ip
		if ipPath := filepath.Join(ipDir, ip); ipPath != p {
			n.Paths = append(n.Paths, ipPath)
		}
	}
	n.Runtime = runtimeOfIPName(n.IPName)
	return n, nil
}

// ipName returns the name in ipDir of the namespace (dev, ino), "" if it
// has none there.
func ipName(ipDir string, dev, ino uint64) string {
	names, err := readDirNames(ipDir)
	if err != nil {
		return ""
	}
	for _, name := range names {
		var st unix.Stat_t
		if unix.Stat(filepath.Join(ipDir, name), &st) == nil && st.Dev == dev && st.Ino == ino {
			return name
		}
	}
	return ""
}
