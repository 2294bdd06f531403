package procattr

import (
	"bytes"
	"github.com/sockscope/sockscope/internal/containers"
	"strings"
)

// cgroupInfo is what attribution reports from /proc/PID/cgroup.
type cgroupInfo struct {
	Path      string // the process's cgroup path, e.g. "/system.slice/nginx.service"
	Unit      string // innermost systemd unit, e.g. "nginx.service"; "" if none
	Container string // container id (docker, containerd, CRI-O, podman, LXC); "" if none
}

// parseCgroup decodes /proc/PID/cgroup ("ID:CONTROLLERS:PATH" per line).
//
// Path is the cgroup v2 (unified, "0::") path; on a hybrid or v1 system
// whose unified path is "/" it is the path of the "name=systemd" hierarchy,
// else of the first v1 hierarchy that is not at the root. Unit and
// Container come from that path; if it holds no container id, the other
// hierarchies are searched for one. Malformed lines are skipped: the file
// is informational and never makes attribution fail.
func parseCgroup(b []byte) cgroupInfo {
	var unified, systemd, firstV1 []byte
	var haveUnified, haveSystemd bool
	for line := range lines(b) {
		id, rest, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		ctrl, path, ok := bytes.Cut(rest, []byte{':'})
		if !ok || len(path) == 0 || path[0] != '/' {
			continue
		}
		switch {
		case string(id) == "0" && len(ctrl) == 0:
			unified, haveUnified = path, true
		case string(ctrl) == "name=systemd":
			systemd, haveSystemd = path, true
		case firstV1 == nil && string(path) != "/":
			firstV1 = path
		}
	}
	var chosen []byte
	switch {
	case haveUnified && (string(unified) != "/" || !haveSystemd && firstV1 == nil):
		chosen = unified
	case haveSystemd:
		chosen = systemd
	case firstV1 != nil:
		chosen = firstV1
	case haveUnified:
		chosen = unified
	default:
		return cgroupInfo{}
	}
	info := cgroupInfo{Path: string(chosen)}
	info.Unit = unitFromPath(info.Path)
	// The container is read as internal/containers reads it for the
	// namespaces (every runtime's layout, v2 line first); a runtime's
	// monitor (conmon) shares the container's cgroup name but is not in it.
	if c, ok := containers.Identify(string(b)); ok && !c.Monitor {
		info.Container = c.ID
	}
	return info
}

// lines yields the non-empty lines of b, without their newline.
func lines(b []byte) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			line := b
			if i := bytes.IndexByte(b, '\n'); i >= 0 {
				line, b = b[:i], b[i+1:]
			} else {
				b = nil
			}
			if len(line) > 0 && !yield(line) {
				return
			}
		}
	}
}

// unitSuffixes are the systemd unit types that hold processes.
var unitSuffixes = [...]string{".service", ".scope", ".socket", ".mount", ".swap"}

// unitFromPath returns the innermost systemd unit on a cgroup path:
// "/system.slice/nginx.service" → "nginx.service";
// "/user.slice/user-1000.slice/user@1000.service/app.slice/app-x.scope" →
// "app-x.scope"; "/system.slice/docker-ID.scope" → "docker-ID.scope". Path
// components below the unit (a delegated subtree such as podman's
// ".../libpod-ID.scope/container") are skipped. It returns "" if no
// component is a unit (slices are not units that hold processes).
func unitFromPath(path string) string {
	for comp := range componentsFromEnd(path) {
		for _, suf := range unitSuffixes {
			if len(comp) > len(suf) && strings.HasSuffix(comp, suf) {
				return comp
			}
		}
	}
	return ""
}

// componentsFromEnd yields the non-empty "/"-separated components of path,
// innermost first.
func componentsFromEnd(path string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for len(path) > 0 {
			i := strings.LastIndexByte(path, '/')
			comp := path[i+1:]
			if i < 0 {
				path = ""
			} else {
				path = path[:i]
			}
			if comp != "" && !yield(comp) {
				return
			}
		}
	}
}
