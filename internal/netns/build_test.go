package netns

import (
	"slices"
	"strconv"
	"testing"
)

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

func procLink(pid int32) string { return "/proc/" + strconv.Itoa(int(pid)) + "/ns/net" }

func TestBuilderNames(t *testing.T) {
	b := newBuilder()
	// The host: processes, and docker's "default" file.
	b.addPID(4, 100, 300)
	b.addPID(4, 100, 1)
	b.addFile(4, 100, "/run/docker/netns/default", "docker", false)
	// A named namespace, also bind-mounted elsewhere, with a process.
	b.addFile(4, 200, "/tmp/elsewhere", "", true)
	b.addFile(4, 200, "/run/netns/blue", "", false)
	b.addFile(4, 200, "/run/netns/blue", "", false) // found twice
	b.addPID(4, 200, 42)
	// Held by processes only.
	b.addPID(4, 300, 77)
	b.addPID(4, 300, 55)
	b.addPID(4, 300, 77)
	// Only a bind mount.
	b.addFile(4, 400, "/tmp/held", "", true)
	// Podman's and CNI's names in /run/netns, and a docker sandbox.
	b.addFile(4, 500, "/run/netns/netns-1a2b", "", false)
	b.addFile(4, 600, "/run/netns/cni-9f", "", false)
	b.addFile(4, 700, "/run/docker/netns/0123abcd", "docker", false)
	// The same inode on another device is another namespace.
	b.addPID(5, 100, 9)

	got := b.finish(procLink)
	type summary struct {
		dev, ino        uint64
		name, ip, rtime string
		paths           []string
		pids            []int32
	}
	want := []summary{
		{4, 100, "default", "", "docker", []string{"/run/docker/netns/default", "/proc/1/ns/net", "/proc/300/ns/net"}, []int32{1, 300}},
		{4, 200, "blue", "blue", "", []string{"/tmp/elsewhere", "/run/netns/blue", "/proc/42/ns/net"}, []int32{42}},
		{4, 300, "pid:55", "", "", []string{"/proc/55/ns/net", "/proc/77/ns/net"}, []int32{55, 77}},
		{4, 400, "/tmp/held", "", "", []string{"/tmp/held"}, nil},
		{4, 500, "netns-1a2b", "netns-1a2b", "podman", []string{"/run/netns/netns-1a2b"}, nil},
		{4, 600, "cni-9f", "cni-9f", "cni", []string{"/run/netns/cni-9f"}, nil},
		{4, 700, "0123abcd", "", "docker", []string{"/run/docker/netns/0123abcd"}, nil},
		{5, 100, "pid:9", "", "", []string{"/proc/9/ns/net"}, []int32{9}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d namespaces, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Dev != w.dev || g.Inode != w.ino || g.Name != w.name || g.IPName != w.ip || g.Runtime != w.rtime ||
			!slices.Equal(g.Paths, w.paths) || !slices.Equal(g.PIDs, w.pids) {
			t.Errorf("namespace %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestNetNSString(t *testing.T) {
	n := NetNS{Inode: 7}
	if s := n.String(); s != "net:[7]" {
		t.Errorf("String() = %q", s)
	}
	n.Name = "blue"
	if s := n.String(); s != "blue" {
		t.Errorf("String() = %q", s)
	}
}

func TestIndex(t *testing.T) {
	nss := []NetNS{{Inode: 1, Name: "a"}, {Inode: 2, Name: "b"}}
	m := Index(nss)
	if len(m) != 2 || m[1].Name != "a" || m[2] != &nss[1] {
		t.Errorf("Index = %v", m)
	}
}
