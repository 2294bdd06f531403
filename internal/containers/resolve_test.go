package containers

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestResolveFixtures names containers from the state files in
// testdata/root, laid out as each runtime writes them (testdata/README.md).
func TestResolveFixtures(t *testing.T) {
	r := NewResolver("testdata/root")
	tests := []struct {
		name string
		in   Container
		want Container
	}{
		{
			name: "docker",
			in:   Container{Runtime: RuntimeDocker, ID: "9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d"},
			want: Container{Runtime: RuntimeDocker, ID: "9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d",
				Name: "web", Image: "nginx:1.25"},
		},
		{
			name: "kubernetes through docker",
			in: Container{Runtime: RuntimeDocker, ID: "b5b6f2da8008be266864f896f93789762b2ce50792114a5c5f2cc3315af0bc70",
				Pod: Pod{UID: "045b1e35-7f13-11e7-ac42-0050568ffca0"}},
			want: Container{Runtime: RuntimeDocker, ID: "b5b6f2da8008be266864f896f93789762b2ce50792114a5c5f2cc3315af0bc70",
				Name: "coredns", Image: "sha256:bf261d157914477ee1a5969d28ec687f3fbfc9fb5a664b22df78e57023b0e03b",
				Pod: Pod{UID: "045b1e35-7f13-11e7-ac42-0050568ffca0", Name: "coredns-5644d7b6d9-c5tbq", Namespace: "kube-system"}},
		},
		{
			name: "containerd CRI",
			in:   Container{Runtime: RuntimeContainerd, ID: "f45298cd514d1930c4fe3afc4412e59547f7e3148fddd22ca33cefce046eb830"},
			want: Container{Runtime: RuntimeContainerd, ID: "f45298cd514d1930c4fe3afc4412e59547f7e3148fddd22ca33cefce046eb830",
				Name: "coredns", Image: "registry.k8s.io/coredns/coredns:v1.11.1",
				Pod: Pod{UID: "dd1bf9d1-241d-47f5-8e25-12de83135812", Name: "coredns-76f75df574-8x4wq", Namespace: "kube-system"}},
		},
		{
			// kubelet's cgroupfs driver does not say the runtime: the
			// state file found does.
			name: "containerd sandbox from a bare id",
			in:   Container{ID: "cb1eadb7abe3a6545e9856411207073277838e1bdc003337c2f8685faeedc32c"},
			want: Container{Runtime: RuntimeContainerd, ID: "cb1eadb7abe3a6545e9856411207073277838e1bdc003337c2f8685faeedc32c",
				Sandbox: true, Pod: Pod{UID: "74ba62da-1a3d-11e7-bb11-080027cb0e22", Name: "nginx-7854ff8877-zt5sx", Namespace: "default"}},
		},
		{
			name: "CRI-O",
			in:   Container{Runtime: RuntimeCRIO, ID: "d6d725b909f37c3e232aadfbafa950a58bfe7baa579ba8c47a12be88bb921607"},
			want: Container{Runtime: RuntimeCRIO, ID: "d6d725b909f37c3e232aadfbafa950a58bfe7baa579ba8c47a12be88bb921607",
				Name:  "router",
				Image: "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:4b0ed9c5f4f2e6d1e6f0d1b5c6e0c8a7b1f3e2d4c5b6a7980f1e2d3c4b5a6978",
				Pod:   Pod{UID: "8ca306fa-3c03-47fa-97dd-19979c345572", Name: "router-default-6c9d4b7f8-kq2xv", Namespace: "openshift-ingress"}},
		},
		{
			name: "podman from a root file system",
			in:   Container{Runtime: RuntimePodman, ID: "a0e04b4d580ce7f8b50d944dd539f60e0eb577ceb573623eac9f54d172539fee"},
			want: Container{Runtime: RuntimePodman, ID: "a0e04b4d580ce7f8b50d944dd539f60e0eb577ceb573623eac9f54d172539fee", Name: "g-test1"},
		},
		{
			name: "podman from an image",
			in:   Container{Runtime: RuntimePodman, ID: "7d3c9e51b0a24f6e8c1d2b3a4f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2"},
			want: Container{Runtime: RuntimePodman, ID: "7d3c9e51b0a24f6e8c1d2b3a4f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2",
				Name: "db", Image: "docker.io/library/postgres:16"},
		},
		{
			name: "no state files",
			in:   Container{Runtime: RuntimeDocker, ID: "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"},
			want: Container{Runtime: RuntimeDocker, ID: "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"},
		},
		{
			name: "unknown runtime, no state files",
			in:   Container{ID: "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeef"},
			want: Container{ID: "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeef"},
		},
		{
			name: "LXC names itself",
			in:   Container{Runtime: RuntimeLXC, ID: "../../etc", Name: "../../etc"},
			want: Container{Runtime: RuntimeLXC, ID: "../../etc", Name: "../../etc"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Twice: the second answer comes from the cache.
			for range 2 {
				if got := r.Resolve(tt.in); got != tt.want {
					t.Errorf("Resolve =\n %+v\nwant\n %+v", got, tt.want)
				}
			}
		})
	}
}

// TestResolverProcess reads /proc/PID/cgroup under the root, identifies and
// names in one call.
func TestResolverProcess(t *testing.T) {
	r := NewResolver("testdata/root")
	c, ok := r.Process(100)
	if !ok || c.Runtime != RuntimePodman || c.Name != "g-test1" || c.ID != "a0e04b4d580ce7f8b50d944dd539f60e0eb577ceb573623eac9f54d172539fee" {
		t.Errorf("Process(100) = %+v, %v; want the podman container g-test1", c, ok)
	}
	c, ok = r.Process(300)
	if !ok || c.Name != "router" || c.Pod.Namespace != "openshift-ingress" || c.Pod.UID != "8ca306fa-3c03-47fa-97dd-19979c345572" {
		t.Errorf("Process(300) = %+v, %v; want CRI-O's router", c, ok)
	}
	c, ok = r.Process(400)
	if !ok || c.Name != "rootless-web" || c.Image != "docker.io/library/nginx:latest" {
		t.Errorf("Process(400) = %+v, %v; want alice's rootless podman container", c, ok)
	}
	if c, ok := r.Process(200); ok {
		t.Errorf("Process(200) = %+v: a host process is in no container", c)
	}
	if c, ok := r.Process(999999); ok {
		t.Errorf("Process of a missing pid = %+v", c)
	}
	// ProcessRead tells a host process (its cgroup read) from one gone.
	if c, ok, read := r.ProcessRead(200); ok || !read {
		t.Errorf("ProcessRead(200) = %+v, %v, %v; want no container, its cgroup read", c, ok, read)
	}
	if c, ok, read := r.ProcessRead(999999); ok || read {
		t.Errorf("ProcessRead of a missing pid = %+v, %v, %v; want nothing read", c, ok, read)
	}
	if c, ok, read := r.ProcessRead(100); !ok || !read || c.Name != "g-test1" {
		t.Errorf("ProcessRead(100) = %+v, %v, %v; want g-test1, read", c, ok, read)
	}
}

// TestResolverConcurrent is for the race detector: one Resolver serves
// several goroutines.
func TestResolverConcurrent(t *testing.T) {
	r := NewResolver("testdata/root")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, pid := range []int{100, 200, 300, 400} {
				r.Process(pid)
			}
		})
	}
	wg.Wait()
}

// TestResolverSeesNewPodmanContainers: a long-lived Resolver reads
// podman's list again when a container is missing from it and the list
// changed.
func TestResolverSeesNewPodmanContainers(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, storageLib, "overlay-containers")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(dir, "containers.json")
	const a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	const b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	write := func(s string, mtime time.Time) {
		if err := os.WriteFile(list, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(list, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	write(`[{"id":"`+a+`","names":["first"]}]`, now.Add(-time.Hour))
	r := NewResolver(root)
	if got := r.Resolve(Container{Runtime: RuntimePodman, ID: a}); got.Name != "first" {
		t.Fatalf("first container: %+v", got)
	}
	write(`[{"id":"`+a+`","names":["first"]},{"id":"`+b+`","names":["second"]}]`, now)
	if got := r.Resolve(Container{Runtime: RuntimePodman, ID: b}); got.Name != "second" {
		t.Errorf("container created after the Resolver's first read: %+v", got)
	}
}

func TestDecodersRejectGarbage(t *testing.T) {
	for _, in := range []string{"", "null", "[]", "{", `{"Name":5}`, `{"annotations":[]}`} {
		if c, ok := decodeDocker([]byte(in)); ok && c != (Container{}) {
			t.Errorf("decodeDocker(%q) = %+v", in, c)
		}
		if c, ok := decodeBundle([]byte(in)); ok && c != (Container{}) {
			t.Errorf("decodeBundle(%q) = %+v", in, c)
		}
		if m := decodeStorage([]byte(in)); len(m) != 0 {
			t.Errorf("decodeStorage(%q) = %+v", in, m)
		}
	}
	// A malformed Labels annotation is ignored, the rest kept.
	c, ok := decodeBundle([]byte(`{"annotations":{"io.kubernetes.cri-o.Labels":"{nope","io.kubernetes.pod.name":"p"}}`))
	if !ok || c.Pod.Name != "p" {
		t.Errorf("decodeBundle with a bad Labels annotation = %+v, %v", c, ok)
	}
}

func TestUserOfCgroup(t *testing.T) {
	for in, want := range map[string]string{
		"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-x.scope": "1000",
		"/user.slice/user-1000.slice/session-3.scope":                             "",
		"/user.slice/user@.service/x":                                             "",
		"/user.slice/user@1x.service/x":                                           "",
		"/user@42":                                                                "",
		"":                                                                        "",
	} {
		if got := userOfCgroup(in); got != want {
			t.Errorf("userOfCgroup(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDecodePasswd: homes are joined under the Resolver's root, so one
// that climbs out of it is dropped.
func TestDecodePasswd(t *testing.T) {
	b, err := os.ReadFile("testdata/root/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	m := decodePasswd(b)
	if m["1000"] != "/home/alice" || m["0"] != "/root" {
		t.Errorf("decodePasswd = %v", m)
	}
	if h, ok := m["1001"]; ok {
		t.Errorf("a home outside the root kept: %q", h)
	}
}

func FuzzDecodeStateFiles(f *testing.F) {
	for _, p := range []string{
		"testdata/root/var/lib/docker/containers/b5b6f2da8008be266864f896f93789762b2ce50792114a5c5f2cc3315af0bc70/config.v2.json",
		"testdata/root/run/containers/storage/overlay-containers/d6d725b909f37c3e232aadfbafa950a58bfe7baa579ba8c47a12be88bb921607/userdata/config.json",
		"testdata/root/var/lib/containers/storage/overlay-containers/containers.json",
		"testdata/root/etc/passwd",
	} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeDocker(b)
		decodeBundle(b)
		for id := range decodeStorage(b) {
			if !isID(id) {
				t.Fatalf("decodeStorage kept id %q", id)
			}
		}
		for _, home := range decodePasswd(b) {
			if !strings.HasPrefix(home, "/") || strings.Contains(home, "..") {
				t.Fatalf("decodePasswd kept home %q", home)
			}
		}
	})
}

// BenchmarkResolverProcess measures the whole per-process cost on a
// machine: open and read /proc/PID/cgroup, identify, and (for a container)
// a cached name. It reads this process's own cgroup.
func BenchmarkResolverProcess(b *testing.B) {
	r := NewResolver("/")
	pid := os.Getpid()
	b.ReportAllocs()
	for b.Loop() {
		r.Process(pid)
	}
}

// BenchmarkResolverProcessContainer is the same for a container's process,
// named from the fixture state files (cached after the first).
func BenchmarkResolverProcessContainer(b *testing.B) {
	r := NewResolver("testdata/root")
	b.ReportAllocs()
	for b.Loop() {
		r.Process(100)
	}
}

// TestOfNamespace names a network namespace after the container of its
// first process, and after nothing when that process is on the host.
func TestOfNamespace(t *testing.T) {
	r := NewResolver("testdata/root")
	tests := []struct {
		pids  []int32
		label string // "" for no container
	}{
		{[]int32{100, 200}, "g-test1"},
		// The first process gone meanwhile: the next one says.
		{[]int32{999999, 100}, "g-test1"},
		// The host's namespace, shared by a host-network container.
		{[]int32{200, 300}, ""},
		{[]int32{300}, "openshift-ingress/router-default-6c9d4b7f8-kq2xv"},
		{nil, ""},
		{[]int32{999999}, ""},
	}
	for _, tt := range tests {
		c, ok := r.OfNamespace(tt.pids)
		if got := c.NetnsLabel(); ok != (tt.label != "") || ok && got != tt.label {
			t.Errorf("OfNamespace(%v) = %q, %v; want %q", tt.pids, got, ok, tt.label)
		}
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "proc", "7"), 0o755); err != nil {
		t.Fatal(err)
	}
	conmon := "0::/machine.slice/libpod-conmon-24fce7291bc6d7f8a5965a5920740b0df25dda9bb4e84ffb889d8ea2927acec5.scope\n"
	if err := os.WriteFile(filepath.Join(root, "proc", "7", "cgroup"), []byte(conmon), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, ok := NewResolver(root).OfNamespace([]int32{7}); ok {
		t.Errorf("a namespace whose first process is conmon named after %+v", c)
	}
}

func TestNetnsLabel(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, tt := range []struct {
		c    Container
		want string
	}{
		{Container{ID: id}, "0123456789ab"},
		{Container{ID: id, Name: "web"}, "web"},
		{Container{ID: id, Name: "app", Pod: Pod{UID: "u", Name: "p", Namespace: "ns"}}, "ns/p"},
		{Container{ID: id, Pod: Pod{UID: "u", Name: "p"}}, "p"},
		{Container{ID: id, Name: "app", Pod: Pod{UID: "u"}}, "pod-u"},
	} {
		if got := tt.c.NetnsLabel(); got != tt.want {
			t.Errorf("NetnsLabel(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}
