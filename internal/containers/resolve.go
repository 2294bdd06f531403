package containers

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Where the runtimes keep their state, relative to the root of the file
// system they run on.
const (
	// dockerContainers holds one directory per container, with docker's
	// own view of it in config.v2.json.
	dockerContainers = "var/lib/docker/containers"
	// containerdTasks holds the OCI bundle of every running task, one
	// directory per containerd namespace (k8s.io for Kubernetes, moby for
	// docker, default for ctr and nerdctl); v1 is containerd before 1.5's
	// v2 shims.
	containerdTasks   = "run/containerd/io.containerd.runtime.v2.task"
	containerdTasksV1 = "run/containerd/io.containerd.runtime.v1.linux"
	// storageRun and storageLib are containers/storage's run and graph
	// roots (as root): CRI-O keeps the OCI bundle under the run root,
	// podman under the graph root, and both list their containers (id,
	// names, image) in <driver>-containers/containers.json under the
	// graph root.
	storageRun = "run/containers/storage"
	storageLib = "var/lib/containers/storage"
)

// maxStateFile bounds what is read of one state file: a runtime's file is
// a few kilobytes, a list of thousands of containers a few megabytes.
const maxStateFile = 32 << 20

// A Resolver identifies the containers of processes and names them from
// the runtimes' state files under a root. It caches what it read per
// container id for its lifetime (make a new one for a new snapshot if names
// may have changed) and is safe for concurrent use. Nothing it cannot read
// is an error: the fields stay empty.
type Resolver struct {
	root string

	mu     sync.Mutex
	cache  map[string]Container  // by id: only the fields from state files
	graphs map[string]*graphRoot // containers/storage graph roots by path
	homes  map[string]string     // uid -> home directory, from etc/passwd
	ctrdNS []string              // containerd namespaces, read once
	nsRead bool
}

// NewResolver returns a Resolver reading state files and /proc under root
// ("" or "/" is this machine; tests pass a directory laid out like one).
func NewResolver(root string) *Resolver {
	if root == "" {
		root = "/"
	}
	return &Resolver{root: root, cache: make(map[string]Container)}
}

// cgroupBufs holds buffers for reading /proc/PID/cgroup, which is a few
// hundred bytes on a v1 host and one line on a v2 host.
var cgroupBufs = sync.Pool{New: func() any { b := make([]byte, 4096); return &b }}

// Process returns the container process pid runs in, named as far as the
// state files tell. ok is false when the process is in no container known
// here, or is gone, or its cgroup cannot be read.
func (r *Resolver) Process(pid int) (Container, bool) {
	c, ok, _ := r.ProcessRead(pid)
	return c, ok
}

// ProcessRead is Process that also says whether the process's cgroup
// could be read: false for a process gone, whose container only what
// kept its cgroup can tell.
func (r *Resolver) ProcessRead(pid int) (c Container, ok, read bool) {
	c, ok, read = r.identify(pid)
	if !ok {
		return Container{}, false, read
	}
	return r.Resolve(c), true, true
}

// Identify returns the container process pid runs in, from its cgroup
// alone (no state file is read).
func (r *Resolver) Identify(pid int) (Container, bool) {
	c, ok, _ := r.identify(pid)
	return c, ok
}

// identify is Identify that also says whether the process's cgroup could
// be read (false for a process gone meanwhile).
func (r *Resolver) identify(pid int) (c Container, ok, read bool) {
	f, err := os.Open(filepath.Join(r.root, "proc", strconv.Itoa(pid), "cgroup"))
	if err != nil {
		return Container{}, false, false
	}
	defer f.Close()
	bp := cgroupBufs.Get().(*[]byte)
	defer cgroupBufs.Put(bp)
	b := *bp
	n := 0
	for {
		m, err := f.Read(b[n:])
		n += m
		// The kernel's seq files fill the buffer unless the file ended:
		// a short read saves the second read that would return EOF.
		if err != nil || m == 0 || n < len(b) {
			if err != nil && err != io.EOF {
				return Container{}, false, false
			}
			break
		}
		if len(b) >= 1<<20 {
			break
		}
		b = append(b, make([]byte, len(b))...)
		*bp = b
	}
	c, ok = Identify(string(b[:n]))
	return c, ok, true
}

// OfNamespace returns the container a network namespace belongs to, given
// the processes in it in ascending order (as netns.NetNS.PIDs lists them):
// the container of the first of them that still exists, named, when that
// process is in one and is not a runtime's monitor. A container's
// namespace is made for its first process, so the first is the
// container's (a pod's sandbox for a Kubernetes pod); a namespace whose
// first process is on the host (the host's own, which host-network
// containers share) belongs to no container.
func (r *Resolver) OfNamespace(pids []int32) (Container, bool) {
	for _, pid := range pids {
		c, ok, read := r.identify(int(pid))
		if !read {
			continue
		}
		if !ok || c.Monitor {
			return Container{}, false
		}
		return r.Resolve(c), true
	}
	return Container{}, false
}

// Resolve returns c with what the runtimes' state files say of it: its
// name, image, pod name and namespace, and its runtime when the cgroup did
// not tell. Fields already set are kept.
func (r *Resolver) Resolve(c Container) Container {
	if !isID(c.ID) {
		// LXC and systemd-nspawn containers are named by their cgroup.
		return c
	}
	r.mu.Lock()
	info, ok := r.cache[c.ID]
	if !ok {
		info = r.lookup(c.Runtime, c.ID, c.Cgroup)
		r.cache[c.ID] = info
	}
	r.mu.Unlock()
	if c.Runtime == RuntimeUnknown {
		c.Runtime = info.Runtime
	}
	if c.Name == "" {
		c.Name = info.Name
	}
	if c.Image == "" {
		c.Image = info.Image
	}
	if c.Pod.UID == "" {
		c.Pod.UID = info.Pod.UID
	}
	if c.Pod.Name == "" {
		c.Pod.Name = info.Pod.Name
	}
	if c.Pod.Namespace == "" {
		c.Pod.Namespace = info.Pod.Namespace
	}
	c.Sandbox = c.Sandbox || info.Sandbox
	return c
}

// lookup reads the state files of container id, those of its runtime
// first. Called with r.mu held.
func (r *Resolver) lookup(rt Runtime, id, cgroup string) Container {
	var order []Runtime
	switch rt {
	case RuntimeDocker:
		order = []Runtime{RuntimeDocker, RuntimeContainerd}
	case RuntimeContainerd:
		order = []Runtime{RuntimeContainerd}
	case RuntimeCRIO:
		order = []Runtime{RuntimeCRIO}
	case RuntimePodman:
		order = []Runtime{RuntimePodman}
	default:
		order = []Runtime{RuntimeDocker, RuntimeContainerd, RuntimeCRIO, RuntimePodman}
	}
	for _, try := range order {
		var info Container
		var found bool
		switch try {
		case RuntimeDocker:
			info, found = r.docker(id)
		case RuntimeContainerd:
			info, found = r.containerd(id)
		case RuntimeCRIO:
			info, found = r.bundle(filepath.Join(r.root, storageRun, "overlay-containers", id, "userdata", "config.json"))
			if !found {
				info, found = r.bundle(filepath.Join(r.root, storageLib, "overlay-containers", id, "userdata", "config.json"))
			}
		case RuntimePodman:
			info, found = r.podman(id, cgroup)
		}
		if found {
			if rt == RuntimeDocker && try == RuntimeContainerd {
				// docker's own tasks, in containerd's moby namespace.
				try = RuntimeDocker
			}
			info.Runtime = try
			return info
		}
	}
	return Container{Runtime: rt}
}

// dockerConfig is the part of docker's config.v2.json read here (moby's
// daemon/container.Container as serialised by toDisk).
type dockerConfig struct {
	Name   string
	Config struct {
		Image  string
		Labels map[string]string
	}
}

// docker reads /var/lib/docker/containers/<id>/config.v2.json.
func (r *Resolver) docker(id string) (Container, bool) {
	b, ok := readFile(filepath.Join(r.root, dockerContainers, id, "config.v2.json"))
	if !ok {
		return Container{}, false
	}
	return decodeDocker(b)
}

// decodeDocker decodes docker's config.v2.json.
func decodeDocker(b []byte) (Container, bool) {
	var cfg dockerConfig
	if json.Unmarshal(b, &cfg) != nil {
		return Container{}, false
	}
	c := Container{
		Name:  strings.TrimPrefix(cfg.Name, "/"),
		Image: cfg.Config.Image,
	}
	// Kubernetes through dockershim or cri-dockerd labels its containers;
	// the docker name is then k8s_<container>_<pod>_<ns>_<uid>_<n>.
	fromKubernetes(&c, cfg.Config.Labels)
	if cfg.Config.Labels["io.kubernetes.docker.type"] == "podsandbox" {
		c.Sandbox = true
	}
	return c, true
}

// containerd reads the OCI bundle of task id in any containerd namespace.
func (r *Resolver) containerd(id string) (Container, bool) {
	if !r.nsRead {
		r.nsRead = true
		for _, dir := range []string{containerdTasks, containerdTasksV1} {
			ents, err := os.ReadDir(filepath.Join(r.root, dir))
			if err != nil {
				continue
			}
			for _, e := range ents {
				if e.IsDir() {
					r.ctrdNS = append(r.ctrdNS, filepath.Join(dir, e.Name()))
				}
			}
		}
	}
	for _, ns := range r.ctrdNS {
		if c, ok := r.bundle(filepath.Join(r.root, ns, id, "config.json")); ok {
			return c, true
		}
	}
	return Container{}, false
}

// ociSpec is the part of an OCI runtime bundle's config.json read here.
type ociSpec struct {
	Annotations map[string]string `json:"annotations"`
}

// bundle reads the annotations of the OCI bundle config.json at path.
func (r *Resolver) bundle(path string) (Container, bool) {
	b, ok := readFile(path)
	if !ok {
		return Container{}, false
	}
	return decodeBundle(b)
}

// decodeBundle decodes an OCI bundle's config.json.
func decodeBundle(b []byte) (Container, bool) {
	var spec ociSpec
	if json.Unmarshal(b, &spec) != nil {
		return Container{}, false
	}
	var c Container
	fromAnnotations(&c, spec.Annotations)
	return c, true
}

// fromAnnotations fills c from an OCI bundle's annotations: the
// io.kubernetes.* labels kubelet gives every container, containerd CRI's
// io.kubernetes.cri.* and CRI-O's io.kubernetes.cri-o.* annotations (whose
// Labels annotation holds kubelet's labels as a JSON object).
func fromAnnotations(c *Container, a map[string]string) {
	if len(a) == 0 {
		return
	}
	fromKubernetes(c, a)
	if s := a["io.kubernetes.cri-o.Labels"]; s != "" {
		var labels map[string]string
		if json.Unmarshal([]byte(s), &labels) == nil {
			fromKubernetes(c, labels)
		}
	}
	first := func(dst *string, keys ...string) {
		for _, k := range keys {
			if *dst == "" {
				*dst = a[k]
			}
		}
	}
	first(&c.Name, "io.kubernetes.cri.container-name")
	first(&c.Pod.Name, "io.kubernetes.cri.sandbox-name")
	first(&c.Pod.Namespace, "io.kubernetes.cri.sandbox-namespace", "io.kubernetes.cri-o.Namespace")
	first(&c.Pod.UID, "io.kubernetes.cri.sandbox-uid")
	first(&c.Image, "io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName")
	if a["io.kubernetes.cri.container-type"] == "sandbox" || a["io.kubernetes.cri-o.ContainerType"] == "sandbox" {
		c.Sandbox = true
	}
}

// fromKubernetes fills c from kubelet's io.kubernetes.* labels.
func fromKubernetes(c *Container, labels map[string]string) {
	if v := labels["io.kubernetes.container.name"]; v != "" && (c.Name == "" || strings.HasPrefix(c.Name, "k8s_")) {
		c.Name = v
	}
	if v := labels["io.kubernetes.pod.name"]; v != "" && c.Pod.Name == "" {
		c.Pod.Name = v
	}
	if v := labels["io.kubernetes.pod.namespace"]; v != "" && c.Pod.Namespace == "" {
		c.Pod.Namespace = v
	}
	if v := labels["io.kubernetes.pod.uid"]; v != "" && c.Pod.UID == "" {
		c.Pod.UID = v
	}
}

// storageEntry is one container in containers/storage's containers.json
// (github.com/containers/storage's Container).
type storageEntry struct {
	ID       string   `json:"id"`
	Names    []string `json:"names"`
	Metadata string   `json:"metadata"`
}

// storageMetadata is the JSON podman (libpod's RuntimeContainerMetadata)
// keeps in an entry's metadata string.
type storageMetadata struct {
	ImageName string `json:"image-name"`
	Name      string `json:"name"`
}

// podman names container id from containers/storage's list and its OCI
// bundle's annotations (podman play kube's pods carry kubelet's): root's
// storage, and for a container under a user's systemd manager
// (.../user@UID.service/...) that user's rootless storage in
// ~/.local/share/containers/storage (podman's default for rootless).
func (r *Resolver) podman(id, cgroup string) (Container, bool) {
	roots := []string{filepath.Join(r.root, storageLib)}
	if home := r.home(userOfCgroup(cgroup)); home != "" {
		roots = append(roots, filepath.Join(r.root, home, ".local/share/containers/storage"))
	}
	for _, dir := range roots {
		g := r.graphs[dir]
		if g == nil {
			g = &graphRoot{dir: dir}
			if r.graphs == nil {
				r.graphs = make(map[string]*graphRoot)
			}
			r.graphs[dir] = g
		}
		c, found := r.bundle(filepath.Join(dir, "overlay-containers", id, "userdata", "config.json"))
		if s, ok := g.container(id); ok {
			found = true
			if c.Name == "" {
				c.Name = s.Name
			}
			if c.Image == "" {
				c.Image = s.Image
			}
		}
		if found {
			return c, true
		}
	}
	return Container{}, false
}

// userOfCgroup returns the uid whose systemd user manager a cgroup path is
// under ("" when none): rootless containers live there.
func userOfCgroup(cgroup string) string {
	i := strings.Index(cgroup, "/user@")
	if i < 0 {
		return ""
	}
	rest := cgroup[i+len("/user@"):]
	j := strings.Index(rest, ".service")
	if j <= 0 {
		return ""
	}
	uid := rest[:j]
	for k := 0; k < len(uid); k++ {
		if uid[k] < '0' || uid[k] > '9' {
			return ""
		}
	}
	return uid
}

// home returns the home directory of uid from etc/passwd under the root
// ("" when unknown). Called with r.mu held.
func (r *Resolver) home(uid string) string {
	if uid == "" {
		return ""
	}
	if r.homes == nil {
		r.homes = make(map[string]string)
		if b, ok := readFile(filepath.Join(r.root, "etc/passwd")); ok {
			r.homes = decodePasswd(b)
		}
	}
	return r.homes[uid]
}

// decodePasswd returns the home directory of each uid in an /etc/passwd
// (name:password:uid:gid:gecos:home:shell), absolute paths without ".."
// only, as they are joined under the Resolver's root.
func decodePasswd(b []byte) map[string]string {
	m := make(map[string]string)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 7 || f[2] == "" {
			continue
		}
		home := f[5]
		if !strings.HasPrefix(home, "/") || strings.Contains(home, "..") {
			continue
		}
		if _, dup := m[f[2]]; !dup {
			m[f[2]] = home
		}
	}
	return m
}

// graphRoot is one containers/storage graph root's list of containers,
// read when first needed and again when a container is missing from it and
// it changed since, so that a long-lived Resolver sees containers created
// after it started.
type graphRoot struct {
	dir     string
	storage map[string]Container // by id: name and image
	stamps  map[string]time.Time // containers.json files read, with their mtimes
}

// container returns what the list says of container id.
func (g *graphRoot) container(id string) (Container, bool) {
	if _, ok := g.storage[id]; !ok && g.changed() {
		g.load()
	}
	c, ok := g.storage[id]
	return c, ok
}

// decodeStorage decodes containers/storage's containers.json into the
// name and image of each container, by id.
func decodeStorage(b []byte) map[string]Container {
	var list []storageEntry
	if json.Unmarshal(b, &list) != nil {
		return nil
	}
	m := make(map[string]Container, len(list))
	for _, s := range list {
		if !isID(s.ID) {
			continue
		}
		var md storageMetadata
		if s.Metadata != "" {
			_ = json.Unmarshal([]byte(s.Metadata), &md)
		}
		c := Container{Name: md.Name, Image: md.ImageName}
		if c.Name == "" && len(s.Names) > 0 {
			c.Name = s.Names[0]
		}
		m[s.ID] = c
	}
	return m
}

// lists returns the containers.json files of the graph root, one per
// storage driver (overlay-containers, vfs-containers, ...).
func (g *graphRoot) lists() []string {
	ents, _ := os.ReadDir(g.dir)
	var paths []string
	for _, e := range ents {
		if e.IsDir() && strings.HasSuffix(e.Name(), "-containers") {
			paths = append(paths, filepath.Join(g.dir, e.Name(), "containers.json"))
		}
	}
	return paths
}

// changed reports whether the containers.json files are not those last
// read (first call, a file added, gone or modified).
func (g *graphRoot) changed() bool {
	if g.stamps == nil {
		return true
	}
	n := 0
	for _, p := range g.lists() {
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		n++
		if t, ok := g.stamps[p]; !ok || !t.Equal(fi.ModTime()) {
			return true
		}
	}
	return n != len(g.stamps)
}

// load reads every containers.json of the graph root.
func (g *graphRoot) load() {
	g.storage = make(map[string]Container)
	g.stamps = make(map[string]time.Time)
	for _, p := range g.lists() {
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		b, ok := readFile(p)
		if !ok {
			continue
		}
		g.stamps[p] = fi.ModTime()
		for id, c := range decodeStorage(b) {
			g.storage[id] = c
		}
	}
}

// readFile returns the content of the file at path; false when it cannot
// be read or is larger than maxStateFile.
func readFile(path string) ([]byte, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxStateFile+1))
	if err != nil || len(b) > maxStateFile {
		return nil, false
	}
	return b, true
}
