package netns

import (
	"path"
	"slices"
	"strconv"
	"strings"
)

// nsKey identifies a namespace: inode numbers are unique per device.
type nsKey struct{ dev, ino uint64 }

// builder gathers what discovery finds of each namespace, from files and
// processes in any order, and makes the NetNS list of it.
type builder struct {
	byKey map[nsKey]*found
}

// found is a namespace being gathered.
type found struct {
	NetNS
	runtimeFile string // the base name of its first file in a runtime's directory
}

func newBuilder() *builder { return &builder{byKey: make(map[nsKey]*found)} }

func (b *builder) get(dev, ino uint64) *found {
	k := nsKey{dev, ino}
	n := b.byKey[k]
	if n == nil {
		n = &found{NetNS: NetNS{Dev: dev, Inode: ino}}
		b.byKey[k] = n
	}
	return n
}

// addFile records a namespace file at p: found in the directory of the
// tool runtime ("" for ip netns), or, with mount, a bind mount outside
// every such directory.
func (b *builder) addFile(dev, ino uint64, p string, runtime string, mount bool) {
	n := b.get(dev, ino)
	if slices.Contains(n.Paths, p) {
		return
	}
	n.Paths = append(n.Paths, p)
	switch {
	case mount:
	case runtime == "":
		if n.IPName == "" {
			n.IPName = path.Base(p)
		}
	case n.runtimeFile == "":
		n.runtimeFile, n.Runtime = path.Base(p), runtime
	}
}

// runtimeOfIPName guesses the runtime from the prefix it gives its names
// in /run/netns.
func runtimeOfIPName(name string) string {
	switch {
	case strings.HasPrefix(name, "cni-"):
		return "cni"
	case strings.HasPrefix(name, "netns-"):
		return "podman"
	}
	return ""
}

// addPID records that process pid is in the namespace.
func (b *builder) addPID(dev, ino uint64, pid int32) {
	n := b.get(dev, ino)
	n.PIDs = append(n.PIDs, pid)
}

// finish returns the namespaces ordered by device and inode (the host's,
// made at boot, comes first), with their PIDs sorted, the /proc paths of
// their processes (procLink gives one) after their files, and their
// display names.
func (b *builder) finish(procLink func(pid int32) string) []NetNS {
	out := make([]NetNS, 0, len(b.byKey))
	for _, n := range b.byKey {
		if n.Runtime == "" {
			n.Runtime = runtimeOfIPName(n.IPName)
		}
		slices.Sort(n.PIDs)
		n.PIDs = slices.Compact(n.PIDs)
		for _, pid := range n.PIDs {
			n.Paths = append(n.Paths, procLink(pid))
		}
		switch {
		case n.IPName != "":
			n.Name = n.IPName
		case n.runtimeFile != "":
			n.Name = n.runtimeFile
		case len(n.PIDs) > 0:
			n.Name = "pid:" + strconv.FormatInt(int64(n.PIDs[0]), 10)
		case len(n.Paths) > 0:
			n.Name = n.Paths[0]
		}
		out = append(out, n.NetNS)
	}
	slices.SortFunc(out, func(a, b NetNS) int {
		if a.Dev != b.Dev {
			if a.Dev < b.Dev {
				return -1
			}
			return 1
		}
		if a.Inode < b.Inode {
			return -1
		}
		if a.Inode > b.Inode {
			return 1
		}
		return 0
	})
	return out
}
