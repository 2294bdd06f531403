package ssmode

import (
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// netnsDir is where ip netns keeps its named network namespaces, as ss
// -N looks them up.
const netnsDir = "/var/run/netns/"

// enterNetNS moves the calling goroutine, locked to its thread, into the
// network namespace name (a name under /var/run/netns, or a path), as ss
// -N does; the sources read the namespace of the calling thread. leave
// moves it back.
func enterNetNS(name string) (leave func(), err error) {
	path := name
	if !strings.Contains(name, "/") {
		path = netnsDir + name
	}
	target, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(target)
	runtime.LockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		unix.Close(orig)
		runtime.UnlockOSThread()
		return nil, err
	}
	return func() {
		// A thread that cannot go back stays locked, and dies with
		// the goroutine, rather than serve another in the wrong
		// namespace.
		if unix.Setns(orig, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		unix.Close(orig)
	}, nil
}
