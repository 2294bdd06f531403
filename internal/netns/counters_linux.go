package netns

import (
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/procfs"
)

// WithNetDir calls fn with a directory holding the network files of ns
// (snmp, netstat, snmp6, sockstat, tcp …): /proc/PID/net of the first of
// its processes that is still in it, without entering it; or, for a
// namespace no process is in, /proc/thread-self/net on a thread inside it
// (Do), which is valid only while fn runs, on the calling goroutine.
func WithNetDir(ns *NetNS, fn func(dir string) error) error {
	if dir, ok := procNetDir(ns); ok {
		return fn(dir)
	}
	return Do(ns, func() error { return fn(procfs.Default().Net()) })
}

// procNetDir returns /proc/PID/net of the first of ns's processes that is
// still in it (a PID may have been reused), false if none is.
func procNetDir(ns *NetNS) (string, bool) {
	fs := procfs.Default()
	var buf [64]byte
	for _, pid := range ns.PIDs {
		p := strconv.Itoa(int(pid))
		n, err := unix.Readlink(fs.Path(p, "ns", "net"), buf[:])
		if err != nil {
			continue
		}
		if ino, ok := ParseLink(string(buf[:n])); ok && ino == ns.Inode {
			return fs.Path(p, "net"), true
		}
	}
	return "", false
}
