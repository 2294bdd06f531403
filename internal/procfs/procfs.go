// Package procfs names the one place every reader of the kernel's files
// starts from: a proc file system (and the sysctl tree in it), so that a
// test, or a view of another machine's captured tree, points all of them
// at one root, as prometheus/procfs's FS does.
//
// The readers themselves stay where their data kind lives (netstats,
// ifaces, routes, sockets, procattr); they take the paths an FS gives.
package procfs

import (
	"os"
	"path/filepath"
	"sync"
)

// DefaultRoot is where Linux mounts the proc file system.
const DefaultRoot = "/proc"

// FS is a proc file system mounted at Root ("" means DefaultRoot).
type FS struct {
	Root string
}

// root returns the mount point.
func (fs FS) root() string {
	if fs.Root == "" {
		return DefaultRoot
	}
	return fs.Root
}

// Path returns the file or directory elem under the root: Path("1",
// "fd") is /proc/1/fd.
func (fs FS) Path(elem ...string) string {
	return filepath.Join(append([]string{fs.root()}, elem...)...)
}

// Net returns the directory of the network files (snmp, tcp, dev, route
// …) of the calling thread's network namespace: thread-self/net, where the
// kernel has it, since self/net follows the process's first thread, which
// may be in another namespace; else net (an older kernel, or a captured
// tree that has no thread-self).
func (fs FS) Net() string {
	if fi, err := os.Stat(fs.Path("thread-self", "net")); err == nil && fi.IsDir() {
		return fs.Path("thread-self", "net")
	}
	return fs.Path("net")
}

// Sys returns the sysctl tree (/proc/sys).
func (fs FS) Sys() string { return fs.Path("sys") }

var (
	defaultMu sync.RWMutex
	defaultFS FS
)

// Default returns the proc file system the readers use when they are
// given no directory: the system's, unless SetDefault changed it.
func Default() FS {
	defaultMu.RLock()
	defer defaultMu.RUnlock()
	return defaultFS
}

// SetDefault points every reader that is given no directory at fs, and
// returns the one it replaces: a test (or a captured tree) sets it once,
// instead of one directory per reader.
func SetDefault(fs FS) (old FS) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	old, defaultFS = defaultFS, fs
	return old
}
