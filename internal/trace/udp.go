package trace

import "github.com/sockscope/sockscope/internal/netns"

// cgroup2In returns the mount point of a line of mountinfo that mounts
// the root of the cgroup v2 hierarchy.
func cgroup2In(line string) (string, bool) {
	m, err := netns.ParseMountInfoLine(line)
	if err != nil || m.FSType != "cgroup2" || m.Root != "/" {
		return "", false
	}
	return m.Point, true
}
