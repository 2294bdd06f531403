package containers

// This file is a hot path: Identify runs once per process on the machine.
// It walks the text in place (no splitting, no regular expressions); the
// strings it returns are slices of its input, and it allocates only for a
// container whose pod UID or machine name must be rewritten (systemd's "_"
// for "-", its \x2d escapes).

import "strings"

// Runtime names the software that runs a container.
type Runtime string

// The runtimes whose cgroup layouts Identify knows. RuntimeUnknown is a
// container seen only as a bare 64-hex-digit cgroup (the cgroupfs driver of
// kubelet writes the same layout for docker and containerd); a Resolver
// replaces it with the runtime whose state file holds the id.
const (
	RuntimeUnknown    Runtime = ""
	RuntimeDocker     Runtime = "docker"
	RuntimeContainerd Runtime = "containerd"
	RuntimeCRIO       Runtime = "cri-o"
	RuntimePodman     Runtime = "podman"
	RuntimeLXC        Runtime = "lxc"
	RuntimeNspawn     Runtime = "systemd-nspawn"
)

// Pod is the Kubernetes pod a container belongs to. UID comes from the
// cgroup (always with dashes, as the API server writes it); Name and
// Namespace only from the runtime's state files.
type Pod struct {
	UID       string `json:"uid,omitempty"`
	Name      string `json:"name,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

// IsZero reports whether nothing is known of the pod.
func (p Pod) IsZero() bool { return p == Pod{} }

// Container is what is known of the container a process runs in.
type Container struct {
	// Runtime is the software running it (RuntimeUnknown when the cgroup
	// does not say and no state file was found).
	Runtime Runtime `json:"runtime,omitempty"`
	// ID is the runtime's id: 64 hex digits for docker, containerd, CRI-O
	// and podman; the container's name for LXC and systemd-nspawn.
	ID string `json:"id"`
	// Name is the container's name (docker's and podman's --name, the
	// Kubernetes container name, the LXC or nspawn machine name), empty
	// when no state file says.
	Name string `json:"name,omitempty"`
	// Image is the image the container was created from, when known.
	Image string `json:"image,omitempty"`
	// Pod is the Kubernetes pod around the container, if any.
	Pod Pod `json:"pod,omitzero"`
	// Sandbox is set for a pod's sandbox ("pause") container, the one
	// that holds the pod's network namespace.
	Sandbox bool `json:"sandbox,omitempty"`
	// Monitor is set when the process is the runtime's monitor of the
	// container (conmon, lxc monitor): it shares the container's cgroup
	// name but not its namespaces.
	Monitor bool `json:"monitor,omitempty"`
	// Cgroup is the cgroup path the container was recognised in.
	Cgroup string `json:"cgroup,omitempty"`
}

// ShortID returns the id as the runtimes' command lines print it: the first
// 12 hex digits of a long id, any other id unchanged.
func (c Container) ShortID() string {
	if len(c.ID) == 64 && isHex(c.ID) {
		return c.ID[:12]
	}
	return c.ID
}

// Label returns what a table shows for the container: its name, else its
// short id.
func (c Container) Label() string {
	if c.Name != "" {
		return c.Name
	}
	return c.ShortID()
}

// NetnsLabel returns the name a network namespace of the container is
// shown by: for a Kubernetes pod's container, the pod (every container of a
// pod shares its namespace) as NAMESPACE/NAME, or its UID when its name is
// unknown; else the container's Label.
func (c Container) NetnsLabel() string {
	switch {
	case c.Pod.Name != "" && c.Pod.Namespace != "":
		return c.Pod.Namespace + "/" + c.Pod.Name
	case c.Pod.Name != "":
		return c.Pod.Name
	case c.Pod.UID != "":
		return "pod-" + c.Pod.UID
	}
	return c.Label()
}

// Identify returns the container of the process whose /proc/PID/cgroup
// content is given. The cgroup v2 line is believed first, then v1's
// name=systemd hierarchy, then any other v1 hierarchy in file order, as a
// hybrid host may place the process in a container in some hierarchies
// only. ok is false for a process in no container known here.
func Identify(cgroupFile string) (c Container, ok bool) {
	bestRank := 3
	prev := "\x00" // a path no line can hold: the first line is always tried
	for rest := cgroupFile; rest != ""; {
		var line string
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			line, rest = rest, ""
		}
		// hierarchy-ID:controller-list:cgroup-path; the path may itself
		// hold colons, so only the first two separate fields.
		i := strings.IndexByte(line, ':')
		if i < 0 {
			continue
		}
		j := strings.IndexByte(line[i+1:], ':')
		if j < 0 {
			continue
		}
		hier, ctrl, path := line[:i], line[i+1:i+1+j], line[i+2+j:]
		rank := 2
		switch {
		case hier == "0" && ctrl == "":
			rank = 0
		case ctrl == "name=systemd":
			rank = 1
		}
		if rank >= bestRank || path == prev {
			continue
		}
		prev = path
		if got, found := IdentifyPath(path); found {
			c, ok, bestRank = got, true, rank
			if rank == 0 {
				break
			}
		}
	}
	return c, ok
}

// IdentifyPath returns the container whose cgroup (as written in
// /proc/PID/cgroup, or a directory under a cgroup mount) is path. ok is
// false when path names no container known here.
func IdentifyPath(path string) (c Container, ok bool) {
	var podUID string
	inKube := false
	parent := ""
	for rest := path; ; {
		for rest != "" && rest[0] == '/' {
			rest = rest[1:]
		}
		if rest == "" {
			break
		}
		seg := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			seg, rest = rest[:i], rest[i:]
		} else {
			rest = ""
		}
		if uid, ok := podSegment(seg, inKube); ok {
			podUID = uid
		}
		if strings.HasPrefix(seg, "kubepods") || strings.Contains(seg, "-kubepods") {
			inKube = true
		}
		if got, found := containerSegment(parent, seg); found {
			c, ok = got, true
		}
		parent = seg
	}
	if !ok {
		return Container{}, false
	}
	if podUID != "" {
		c.Pod.UID = strings.ReplaceAll(podUID, "_", "-")
	}
	c.Cgroup = path
	return c, true
}

// runtimePrefixes are the systemd scope (or cgroupfs directory) names the
// runtimes give a container's cgroup, "<prefix><64 hex>[.scope]". Monitors
// come before the container prefix they extend.
var runtimePrefixes = []struct {
	prefix  string
	runtime Runtime
	monitor bool
}{
	{"cri-containerd-", RuntimeContainerd, false},
	{"crio-conmon-", RuntimeCRIO, true},
	{"crio-", RuntimeCRIO, false},
	{"libpod-conmon-", RuntimePodman, true},
	{"libpod-payload-", RuntimePodman, false},
	{"libpod-", RuntimePodman, false},
	{"docker-", RuntimeDocker, false},
}

// colonRuntimes are the runtimes of the "<slice>:<prefix>:<id>" form: a
// systemd cgroup path that containerd 1.4 left unconverted in v1
// hierarchies it created itself.
var colonRuntimes = []struct {
	prefix  string
	runtime Runtime
}{
	{"cri-containerd", RuntimeContainerd},
	{"crio", RuntimeCRIO},
	{"docker", RuntimeDocker},
}

// containerSegment recognises one path segment (seg, below parent) as a
// container's cgroup.
func containerSegment(parent, seg string) (Container, bool) {
	if i := strings.LastIndexByte(seg, ':'); i >= 0 {
		id := seg[i+1:]
		rest := seg[:i]
		j := strings.LastIndexByte(rest, ':')
		if j < 0 || !isID(id) {
			return Container{}, false
		}
		for _, r := range colonRuntimes {
			if rest[j+1:] == r.prefix {
				return Container{Runtime: r.runtime, ID: id}, true
			}
		}
		return Container{}, false
	}
	base := strings.TrimSuffix(seg, ".scope")
	if len(base) >= 64 {
		id := base[len(base)-64:]
		if isID(id) {
			pre := base[:len(base)-64]
			if pre == "" && base == seg {
				// A bare id: docker's cgroupfs driver puts it under
				// /docker, kubelet's under the pod's directory.
				if parent == "docker" {
					return Container{Runtime: RuntimeDocker, ID: id}, true
				}
				return Container{Runtime: RuntimeUnknown, ID: id}, true
			}
			for _, r := range runtimePrefixes {
				if pre == r.prefix {
					return Container{Runtime: r.runtime, ID: id, Monitor: r.monitor}, true
				}
			}
		}
	}
	switch {
	case parent == "lxc" || parent == "lxc.payload":
		// LXC before 4.0 (/lxc/NAME) and its first systemd layout
		// (/lxc.payload/NAME).
		if seg != "" {
			return Container{Runtime: RuntimeLXC, ID: seg, Name: seg}, true
		}
	case strings.HasPrefix(seg, "lxc.payload."):
		if name := seg[len("lxc.payload."):]; name != "" {
			return Container{Runtime: RuntimeLXC, ID: name, Name: name}, true
		}
	case strings.HasPrefix(seg, "lxc.monitor."):
		if name := seg[len("lxc.monitor."):]; name != "" {
			return Container{Runtime: RuntimeLXC, ID: name, Name: name, Monitor: true}, true
		}
	case strings.HasPrefix(seg, "machine-") && strings.HasSuffix(seg, ".scope"):
		name := unescapeUnit(seg[len("machine-") : len(seg)-len(".scope")])
		// libvirt registers its virtual machines with machined as
		// qemu-N-NAME: a VM's processes are not a container.
		if name == "" || isLibvirtQEMU(name) {
			return Container{}, false
		}
		return Container{Runtime: RuntimeNspawn, ID: name, Name: name}, true
	}
	return Container{}, false
}

// podSegment returns the pod UID a path segment carries: systemd's
// kubepods[-QOS]-pod<uid>.slice (any prefix before kubepods, as kind's
// kubelet.slice nesting adds) or cgroupfs's pod<uid> below a kubepods
// directory.
func podSegment(seg string, inKube bool) (string, bool) {
	if i := strings.IndexByte(seg, ':'); i >= 0 {
		seg = seg[:i]
	}
	if s, ok := strings.CutSuffix(seg, ".slice"); ok {
		if !strings.Contains(s, "kubepods") {
			return "", false
		}
		i := strings.LastIndex(s, "-pod")
		if i < 0 {
			return "", false
		}
		uid := s[i+len("-pod"):]
		return uid, isUID(uid)
	}
	if inKube && strings.HasPrefix(seg, "pod") {
		uid := seg[len("pod"):]
		return uid, isUID(uid)
	}
	return "", false
}

// isID reports whether s is a 64-hex-digit container id (lower case, as
// every runtime writes it).
func isID(s string) bool {
	return len(s) == 64 && isHex(s)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// isUID reports whether s looks like a pod UID: a UUID (with dashes, or
// with systemd's underscores) or a static pod's 32 hex digits.
func isUID(s string) bool {
	if len(s) < 32 || len(s) > 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// isLibvirtQEMU reports whether a machine name is libvirt's qemu-N-NAME.
func isLibvirtQEMU(name string) bool {
	rest, ok := strings.CutPrefix(name, "qemu-")
	if !ok {
		return false
	}
	n := 0
	for n < len(rest) && '0' <= rest[n] && rest[n] <= '9' {
		n++
	}
	return n > 0 && n < len(rest) && rest[n] == '-'
}

// unescapeUnit undoes systemd's unit name escaping (\xHH for any byte
// that is not allowed, "-" among them) in one unit name component.
func unescapeUnit(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if hi, ok := unhex(s[i+2]); ok {
				if lo, ok := unhex(s[i+3]); ok {
					b = append(b, hi<<4|lo)
					i += 3
					continue
				}
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
