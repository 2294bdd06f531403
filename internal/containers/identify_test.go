package containers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIdentifyFixtures checks every /proc/PID/cgroup capture in
// testdata/cgroup (testdata/README.md says where each comes from).
func TestIdentifyFixtures(t *testing.T) {
	none := Container{}
	tests := map[string]Container{
		"docker-systemd-v1.txt":  {Runtime: RuntimeDocker, ID: "9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d"},
		"docker-cgroupfs-v1.txt": {Runtime: RuntimeDocker, ID: "31cb02944da7a12196a193cf0e0f6c226d7c453a1db62e65ba98287593a2ee30"},
		// The inner container of docker in docker.
		"docker-in-docker-v1.txt": {Runtime: RuntimeDocker, ID: "ec08435e04266c5ba381fccbb829f626d11d8ddf5f8f547263c7a2d79ab4787a"},
		// kubelet's cgroupfs driver: a bare id, whose runtime the cgroup
		// does not say.
		"k8s-cgroupfs-v1.txt": {Runtime: RuntimeUnknown, ID: "cb1eadb7abe3a6545e9856411207073277838e1bdc003337c2f8685faeedc32c",
			Pod: Pod{UID: "74ba62da-1a3d-11e7-bb11-080027cb0e22"}},
		// A process in a cgroup the container made below its own.
		"k8s-cgroupfs-subcgroup-v1.txt": {Runtime: RuntimeUnknown, ID: "c04e0a88a1de067f25bece337d4dbb897396e0b623c2a65330850fc9823f1903",
			Pod: Pod{UID: "f8a694f2-7c08-11e9-98da-000c29077430"}},
		"k8s-docker-systemd-v1.txt": {Runtime: RuntimeDocker, ID: "b5b6f2da8008be266864f896f93789762b2ce50792114a5c5f2cc3315af0bc70",
			Pod: Pod{UID: "045b1e35-7f13-11e7-ac42-0050568ffca0"}},
		"containerd-systemd-hybrid.txt": {Runtime: RuntimeContainerd, ID: "f45298cd514d1930c4fe3afc4412e59547f7e3148fddd22ca33cefce046eb830",
			Pod: Pod{UID: "dd1bf9d1-241d-47f5-8e25-12de83135812"}},
		"containerd-colon-v1.txt": {Runtime: RuntimeContainerd, ID: "d3d8ccf5cca91931c6285c1d7472c413dd5a7700fddc0aa9f89a9ac7008b003e",
			Pod: Pod{UID: "2105e389-7471-476e-a50f-6074cef29bbd"}},
		"kind-nested-v2.txt": {Runtime: RuntimeContainerd, ID: "99f3a16ea25b7724cb56a4f0c0df1113ad9474fbf5545bead97fd5c7f61c13f4",
			Pod: Pod{UID: "eab5a334-93fe-48a8-b139-9e8079c1f163"}},
		"crio-systemd-v1.txt": {Runtime: RuntimeCRIO, ID: "d6d725b909f37c3e232aadfbafa950a58bfe7baa579ba8c47a12be88bb921607",
			Pod: Pod{UID: "8ca306fa-3c03-47fa-97dd-19979c345572"}},
		// A static pod's UID is a config hash, 32 hex digits.
		"crio-static-pod-v1.txt": {Runtime: RuntimeCRIO, ID: "7a1fd6fe8cdfbd44dc78c4cc85dad7031eaab4365801684cad0aabdeaf863f9e",
			Pod: Pod{UID: "487a0dc6dccaeefbcfedba7a7ce1ca18"}},
		"crio-systemd-v2.txt": {Runtime: RuntimeCRIO, ID: "a09343ca97901516c25036e2b954421254f8c68b384b536064e8999f0c4ed18d",
			Pod: Pod{UID: "2c9f8a79-5391-454b-88cb-86190881cb96"}},
		"crio-conmon-systemd-v2.txt": {Runtime: RuntimeCRIO, ID: "a09343ca97901516c25036e2b954421254f8c68b384b536064e8999f0c4ed18d",
			Pod: Pod{UID: "2c9f8a79-5391-454b-88cb-86190881cb96"}, Monitor: true},
		"podman-cgroupfs-hybrid.txt":        {Runtime: RuntimePodman, ID: "a0e04b4d580ce7f8b50d944dd539f60e0eb577ceb573623eac9f54d172539fee"},
		"podman-conmon-cgroupfs-hybrid.txt": none,
		"podman-conmon-systemd-hybrid.txt":  {Runtime: RuntimePodman, ID: "24fce7291bc6d7f8a5965a5920740b0df25dda9bb4e84ffb889d8ea2927acec5", Monitor: true},
		"podman-systemd-v2.txt":             {Runtime: RuntimePodman, ID: "06dc5f321aad8726aa26559f16ec203bc099245bc44894b14a89fc02b022d1d5"},
		"podman-rootless-v2.txt":            {Runtime: RuntimePodman, ID: "3f05ee050f82c0145f1d88c94269c39dff0f07dbf8bba20aafd54b3a75dcaecc"},
		"podman-quadlet-v2.txt":             {Runtime: RuntimePodman, ID: "8e363eb2287da4ccc9f52ffc5de11252ac5fe707e3ddb917a3c0bdf9bb64165b"},
		"lxc-payload-v2.txt":                {Runtime: RuntimeLXC, ID: "waydroid", Name: "waydroid"},
		"lxc-monitor-v2.txt":                {Runtime: RuntimeLXC, ID: "waydroid", Name: "waydroid", Monitor: true},
		"incus-payload-v2.txt":              {Runtime: RuntimeLXC, ID: "user-1000_alpine-container", Name: "user-1000_alpine-container"},
		"lxc-payload-systemd-inside-v2.txt": {Runtime: RuntimeLXC, ID: "test", Name: "test"},
		"lxc-cgroupfs-v1.txt":               {Runtime: RuntimeLXC, ID: "web01", Name: "web01"},
		"nspawn-v2.txt":                     {Runtime: RuntimeNspawn, ID: "my-nspawn-box", Name: "my-nspawn-box"},
		"libvirt-qemu-v2.txt":               none,
		"host-hybrid-sandbox.txt":           none,
		"host-v1.txt":                       none,
		"host-service-v2.txt":               none,
		"host-session-v2.txt":               none,
		"host-docker-compose-unit-v2.txt":   none,
	}
	files, err := filepath.Glob("testdata/cgroup/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tests) {
		t.Errorf("%d fixtures in testdata/cgroup, %d in the table: every capture needs an expectation", len(files), len(tests))
	}
	for _, path := range files {
		name := filepath.Base(path)
		want, ok := tests[name]
		if !ok {
			t.Errorf("%s: no expectation", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := Identify(string(b))
			if ok != (want != none) {
				t.Fatalf("Identify ok = %v, want %v (%+v)", ok, want != none, got)
			}
			if !ok {
				return
			}
			if got.Cgroup == "" || !strings.Contains(string(b), got.Cgroup) {
				t.Errorf("Cgroup = %q, not a path of the file", got.Cgroup)
			}
			got.Cgroup = ""
			if got != want {
				t.Errorf("Identify =\n %+v\nwant\n %+v", got, want)
			}
		})
	}
}

// TestIdentifyPath covers layouts and near misses one path at a time.
func TestIdentifyPath(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		path string
		want Container // zero: not a container
	}{
		{"/docker/" + id, Container{Runtime: RuntimeDocker, ID: id}},
		{"/" + id, Container{ID: id}},
		{"/system.slice/docker-" + id + ".scope", Container{Runtime: RuntimeDocker, ID: id}},
		// systemd inside a docker container makes its own cgroups below.
		{"/system.slice/docker-" + id + ".scope/init.scope", Container{Runtime: RuntimeDocker, ID: id}},
		{"/libpod_parent/libpod-" + id, Container{Runtime: RuntimePodman, ID: id}},
		{"/libpod_parent/libpod-conmon-" + id, Container{Runtime: RuntimePodman, ID: id, Monitor: true}},
		{"/kubepods/burstable/pod0f8e2e0c-5e3a-4b5e-9d3e-6f0d3b1c2a4e/crio-" + id, Container{Runtime: RuntimeCRIO, ID: id, Pod: Pod{UID: "0f8e2e0c-5e3a-4b5e-9d3e-6f0d3b1c2a4e"}}},
		{"/kubepods/burstable/pod0f8e2e0c-5e3a-4b5e-9d3e-6f0d3b1c2a4e/crio-conmon-" + id, Container{Runtime: RuntimeCRIO, ID: id, Monitor: true, Pod: Pod{UID: "0f8e2e0c-5e3a-4b5e-9d3e-6f0d3b1c2a4e"}}},
		// Guaranteed pods have no QoS slice.
		{"/kubepods.slice/kubepods-pod0f8e2e0c_5e3a_4b5e_9d3e_6f0d3b1c2a4e.slice/cri-containerd-" + id + ".scope", Container{Runtime: RuntimeContainerd, ID: id, Pod: Pod{UID: "0f8e2e0c-5e3a-4b5e-9d3e-6f0d3b1c2a4e"}}},
		{"/kubelet/kubepods/besteffort/podbdd4097d-6795-404e-9bd8-6a1383386198/" + id, Container{ID: id, Pod: Pod{UID: "bdd4097d-6795-404e-9bd8-6a1383386198"}}},
		{`/machine.slice/machine-web\x2d1.scope`, Container{Runtime: RuntimeNspawn, ID: "web-1", Name: "web-1"}},
		{`/machine.slice/machine-qemu\x2d3\x2dfedora.scope/libvirt/emulator`, Container{}},
		{"/lxc.payload/c1", Container{Runtime: RuntimeLXC, ID: "c1", Name: "c1"}},
		// Docker in LXC: the docker container is the one the process is in.
		{"/lxc.payload.c1/system.slice/docker-" + id + ".scope", Container{Runtime: RuntimeDocker, ID: id}},
		// Near misses.
		{"/", Container{}},
		{"", Container{}},
		{"/system.slice/docker.service", Container{}},
		{"/system.slice/docker-" + id[:63] + ".scope", Container{}},
		{"/system.slice/docker-" + strings.ToUpper(id) + ".scope", Container{}},
		{"/system.slice/foo-" + id + ".scope", Container{}},
		{"/pod0f8e2e0c-5e3a-4b5e-9d3e-6f0d3b1c2a4e/x", Container{}},
		{"/lxc.payload.", Container{}},
		{"/machine.slice/machine-.scope", Container{}},
		{"/a:b:" + id, Container{}},
	}
	for _, tt := range tests {
		got, ok := IdentifyPath(tt.path)
		if ok != (tt.want != Container{}) {
			t.Errorf("IdentifyPath(%q) ok = %v (%+v)", tt.path, ok, got)
			continue
		}
		if !ok {
			continue
		}
		if got.Cgroup != tt.path {
			t.Errorf("IdentifyPath(%q).Cgroup = %q", tt.path, got.Cgroup)
		}
		got.Cgroup = ""
		if got != tt.want {
			t.Errorf("IdentifyPath(%q) =\n %+v\nwant\n %+v", tt.path, got, tt.want)
		}
	}
}

// TestIdentifyPrefersV2 checks the order in which a hybrid host's lines are
// believed: v2, then name=systemd, then the others.
func TestIdentifyPrefersV2(t *testing.T) {
	const a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	const b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	const c = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
	file := "4:memory:/docker/" + a + "\n1:name=systemd:/docker/" + b + "\n0::/system.slice/docker-" + c + ".scope\n"
	if got, _ := Identify(file); got.ID != c {
		t.Errorf("with a v2 line: ID %s, want the v2 line's", got.ID)
	}
	file = "4:memory:/docker/" + a + "\n1:name=systemd:/docker/" + b + "\n0::/\n"
	if got, _ := Identify(file); got.ID != b {
		t.Errorf("without a container in v2: ID %s, want name=systemd's", got.ID)
	}
	file = "4:memory:/docker/" + a + "\n1:name=systemd:/\n0::/"
	if got, _ := Identify(file); got.ID != a {
		t.Errorf("only in one v1 hierarchy: ID %s, want it", got.ID)
	}
	for _, bad := range []string{"", "\n", "garbage", "0:/x", "::::", "0::"} {
		if got, ok := Identify(bad); ok {
			t.Errorf("Identify(%q) = %+v", bad, got)
		}
	}
}

func TestLabel(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if got := (Container{ID: id}).Label(); got != "0123456789ab" {
		t.Errorf("Label of an unnamed container = %q", got)
	}
	if got := (Container{ID: id, Name: "web"}).Label(); got != "web" {
		t.Errorf("Label of a named container = %q", got)
	}
	if got := (Container{ID: "c1"}).ShortID(); got != "c1" {
		t.Errorf("ShortID of an LXC name = %q", got)
	}
}

func TestIdentifyAllocations(t *testing.T) {
	host, err := os.ReadFile("testdata/cgroup/host-v1.txt")
	if err != nil {
		t.Fatal(err)
	}
	podman, err := os.ReadFile("testdata/cgroup/podman-cgroupfs-hybrid.txt")
	if err != nil {
		t.Fatal(err)
	}
	hs, ps := string(host), string(podman)
	if n := testing.AllocsPerRun(100, func() { Identify(hs) }); n != 0 {
		t.Errorf("Identify of a host process allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { Identify(ps) }); n != 0 {
		t.Errorf("Identify of a podman process allocates %v times", n)
	}
}

func FuzzIdentify(f *testing.F) {
	files, _ := filepath.Glob("testdata/cgroup/*.txt")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add("0::/machine.slice/machine-\\x\\x2\\x2d.scope")
	f.Add("0::/kubepods/pod/x:y:z")
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := Identify(s)
		if !ok {
			if c != (Container{}) {
				t.Fatalf("not ok but %+v", c)
			}
			return
		}
		if c.ID == "" {
			t.Fatalf("a container without an id: %+v", c)
		}
		if !strings.Contains(s, c.Cgroup) {
			t.Fatalf("Cgroup %q is not in the input", c.Cgroup)
		}
		if again, ok := IdentifyPath(c.Cgroup); !ok || again != c {
			t.Fatalf("IdentifyPath(Cgroup) = %+v, %v; Identify gave %+v", again, ok, c)
		}
	})
}

// BenchmarkIdentify measures identification alone, per process, for the
// two shapes a machine mostly holds: a host process on a hybrid v1 host
// (many lines, no container) and a container's process.
func BenchmarkIdentify(b *testing.B) {
	for _, name := range []string{"host-hybrid-sandbox.txt", "host-service-v2.txt", "k8s-docker-systemd-v1.txt", "podman-cgroupfs-hybrid.txt", "kind-nested-v2.txt"} {
		buf, err := os.ReadFile(filepath.Join("testdata/cgroup", name))
		if err != nil {
			b.Fatal(err)
		}
		s := string(buf)
		b.Run(strings.TrimSuffix(name, ".txt"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Identify(s)
			}
		})
	}
}
