package netns

import (
	"fmt"
	"github.com/sockscope/sockscope/internal/containers"
	"strconv"
)

// NetNS is one network namespace of the machine.
type NetNS struct {
	// Inode is the namespace's inode number: the NetNS of every socket
	// in it, and what readlink /proc/PID/ns/net shows ("net:[Inode]").
	Inode uint64
	// Dev is the device of the namespace file system (nsfs); inode
	// numbers are unique within it.
	Dev uint64
	// Name is the name to show: the ip netns name if the namespace has
	// one (a file in /run/netns), else the name a container runtime gave
	// its file (Runtime says which), else "pid:N" of its lowest PID, else
	// the path of a bind mount.
	Name string
	// IPName is the namespace's name for ip netns (its file in
	// /run/netns), "" if it has none. CNI's ("cni-…") and podman's
	// ("netns-…") are such names too.
	IPName string
	// Runtime is the container runtime whose directory holds a file of
	// the namespace ("docker", "podman" for rootless podman), or guessed
	// from an ip netns name's prefix ("cni", "podman"); "" if none.
	Runtime string
	// Paths are the files the namespace can be entered through: the
	// named and bind-mounted files first (in the order of Options.Dirs,
	// then of mountinfo), then /proc/PID/ns/net of each of PIDs in
	// order.
	Paths []string
	// PIDs are the processes whose network namespace it is (by their
	// main thread), ascending; empty for a namespace only a file holds.
	PIDs []int32
}

// String returns Name, or "net:[Inode]" without one.
func (n *NetNS) String() string {
	if n.Name != "" {
		return n.Name
	}
	return "net:[" + strconv.FormatUint(n.Inode, 10) + "]"
}

// Dir is a directory where a tool keeps files of network namespaces,
// one per namespace, named by the tool.
type Dir struct {
	// Path is the directory. A "*" in it matches any one path element
	// (/run/user/*/netns).
	Path string
	// Runtime is the tool that keeps it: "" for ip netns (whose names
	// become IPName), else the runtime's name ("docker", "podman").
	Runtime string
}

// DefaultDirs are the directories Discover reads when Options.Dirs is
// nil:
//
//   - /run/netns (and /var/run/netns, the same directory on most systems):
//     ip netns, CNI (containerd, CRI-O: "cni-UUID") and rootful podman
//     4.x ("netns-UUID", containers/common's netns package);
//   - /run/docker/netns and /var/run/docker/netns: docker's sandboxes,
//     named by sandbox id ("default" is the host's namespace);
//   - /run/user/*/netns: rootless podman ($XDG_RUNTIME_DIR/netns).
var DefaultDirs = []Dir{
	{Path: "/run/netns"},
	{Path: "/var/run/netns"},
	{Path: "/run/docker/netns", Runtime: "docker"},
	{Path: "/var/run/docker/netns", Runtime: "docker"},
	{Path: "/run/user/*/netns", Runtime: "podman"},
}

// IPNetNSDir is where ip netns keeps its named namespaces; Resolve looks
// a name up there.
const IPNetNSDir = "/run/netns"

// Options configures Discover and Resolve. Processes and mountinfo are
// read from procfs.Default(), so a test points them at another tree.
type Options struct {
	// Dirs are the directories of named namespace files; nil means
	// DefaultDirs. Resolve reads the first Dir with an empty Runtime for
	// names (IPNetNSDir when there is none).
	Dirs []Dir
	// NoMounts leaves out bind mounts found in mountinfo outside Dirs.
	NoMounts bool
}

// Error reports a network namespace that could not be opened or read;
// the rest of a listing goes on without it.
type Error struct {
	NS  NetNS
	Err error
}

func (e *Error) Error() string {
	return fmt.Sprintf("network namespace %s (net:[%d]): %v", e.NS.String(), e.NS.Inode, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// HiddenError reports processes whose network namespace could not be
// read (an unprivileged user reading other users' /proc/PID/ns/net): the
// namespaces only they are in are missing from a discovery.
type HiddenError struct {
	// PIDs are the processes, ascending.
	PIDs []int32
	// Err is the first failure, for its reason (permission denied).
	Err error
}

func (e *HiddenError) Error() string {
	if len(e.PIDs) == 1 {
		return fmt.Sprintf("the network namespace of process %d could not be read: %v", e.PIDs[0], e.Err)
	}
	return fmt.Sprintf("the network namespace of %d processes could not be read: %v", len(e.PIDs), e.Err)
}

// Unwrap returns the first failure.
func (e *HiddenError) Unwrap() error { return e.Err }

// StuckError reports that the thread could not go back to its own
// namespace after Do: the calling goroutine stays locked to it, in the
// entered namespace, until the goroutine exits (and the runtime ends the
// thread). A caller that meets it should let the goroutine end soon.
type StuckError struct{ Err error }

func (e *StuckError) Error() string {
	return "could not go back to the original network namespace: " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *StuckError) Unwrap() error { return e.Err }

// Index maps the inode of each of nss to it, for naming a socket's
// Socket.NetNS (sockets carry the inode alone; a clash of inodes across
// nsfs devices does not happen on one kernel, which has one nsfs).
func Index(nss []NetNS) map[uint64]*NetNS {
	m := make(map[uint64]*NetNS, len(nss))
	for i := range nss {
		m[nss[i].Inode] = &nss[i]
	}
	return m
}

// Label is what a listing says of a network namespace: its display name
// (its ip netns name, its container's, or pid:N) and the container it
// belongs to, the zero Container if none. Tables, JSON and the filter
// language read the same Label.
type Label struct {
	Name      string
	Container containers.Container
}

// InContainer reports whether the namespace belongs to a container.
func (l *Label) InContainer() bool { return l.Container.ID != "" }
