package app

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/sockscope/sockscope/internal/cli"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/procfs"
	"github.com/sockscope/sockscope/internal/summary"
)

// processes lists the running processes from /proc, for the completion of
// --pid and --program: a PID and the kernel's name (comm) of each.
func processes() []cli.ProcessName {
	ents, err := os.ReadDir(procfs.Default().Path())
	if err != nil {
		return nil
	}
	var out []cli.ProcessName
	for _, e := range ents {
		pid, err := strconv.ParseInt(e.Name(), 10, 32)
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(procfs.Default().Path(e.Name(), "comm"))
		if err != nil {
			continue // gone since the directory was read
		}
		out = append(out, cli.ProcessName{PID: int32(pid), Name: strings.TrimSpace(string(comm))})
	}
	return out
}

// netnsOf returns the inode of process pid's network namespace and of this
// process's; an error matching fs.ErrNotExist when there is no such
// process.
func netnsOf(pid int32) (theirs, ours uint64, err error) {
	var st syscall.Stat_t
	if err := syscall.Stat(procfs.Default().Path(strconv.Itoa(int(pid)), "ns", "net"), &st); err != nil {
		if _, err2 := os.Stat(procfs.Default().Path(strconv.Itoa(int(pid)))); os.IsNotExist(err2) {
			return 0, 0, os.ErrNotExist
		}
		return 0, 0, err
	}
	theirs = st.Ino
	if err := syscall.Stat(procfs.Default().Path("self", "ns", "net"), &st); err != nil {
		return 0, 0, err
	}
	return theirs, st.Ino, nil
}

// ephemeralPorts reads the local port range of this network namespace
// (net.ipv4.ip_local_port_range); zero when it cannot be read.
func ephemeralPorts() summary.PortRange {
	b, err := os.ReadFile(filepath.Join(procfs.Default().Sys(), "net", "ipv4", "ip_local_port_range"))
	if err != nil {
		return summary.PortRange{}
	}
	r, _ := summary.ParsePortRange(string(b))
	return r
}

// cgroupID returns the id of cgroup path (as the filter's "cgroup PATH"
// means it): the inode of its directory under the cgroup2 mount.
func cgroupID(path string) (uint64, bool) {
	mounts, err := os.ReadFile(procfs.Default().Path("self", "mounts"))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(mounts), "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && f[2] == "cgroup2" {
			var st syscall.Stat_t
			if syscall.Stat(f[1]+"/"+strings.TrimPrefix(path, "/"), &st) != nil {
				return 0, false
			}
			return st.Ino, true
		}
	}
	return 0, false
}

// limits reads the kernel limits the exporter measures sockets against,
// from this namespace's /proc/sys.
func limits() (netstats.Limits, error) {
	return netstats.ReadLimits(procfs.Default().Sys(), os.Getpagesize())
}
