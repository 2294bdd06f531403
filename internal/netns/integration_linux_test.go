package netns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/procattr"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/testutil"
)

// The integration tests create namespaces of every kind Discover must
// find: named (ip netns add), one with a process only, one held by a bind
// mount outside /run/netns. They need root; see internal/testutil.

func TestMain(m *testing.M) {
	testutil.MaybeRunHolder()
	os.Exit(m.Run())
}

// world is the namespaces of one test, and the sockets the test process
// made in them.
type world struct {
	named    *testutil.NetNS // with the socket population
	pop      *testutil.Population
	named2   *testutil.NetNS // with a sleeping process and sockets of the test
	sleeper  int
	unshared *testutil.HeldNetNS
	bound    *testutil.HeldNetNS
	// ports are the listeners the test made, by namespace inode.
	ports map[uint64]uint16
}

func newWorld(t *testing.T) *world {
	testutil.RequireRoot(t)
	w := &world{named: testutil.NewNetNS(t), ports: map[uint64]uint16{}}
	w.pop = testutil.StartPopulation(t, w.named)
	w.named2 = testutil.NewNetNS(t)
	sleep := w.named2.Command("sleep", "600")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	w.sleeper = sleep.Process.Pid
	waitNetNS(t, w.sleeper, w.named2.Inode)
	w.unshared = testutil.NewUnsharedNetNS(t)
	w.bound = testutil.NewBindMountedNetNS(t)
	for _, ns := range []struct {
		path string
		ino  uint64
	}{{w.named2.Path, w.named2.Inode}, {w.unshared.Path, w.unshared.Inode}, {w.bound.Path, w.bound.Inode}} {
		w.ports[ns.ino] = makeSockets(t, ns.path)
	}
	return w
}

// waitNetNS waits until pid (just started by ip netns exec) is in the
// namespace ino.
func waitNetNS(t *testing.T, pid int, ino uint64) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid)); err == nil {
			if got, _ := ParseLink(l); got == ino {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d did not enter net:[%d]", pid, ino)
}

// makeSockets makes, inside the namespace at path, a TCP listener on
// 127.0.0.1 with one connection to it (both ends), an IPv6 listener and a
// UDP socket, all held by the test process until the test ends; it
// returns the IPv4 listener's port.
func makeSockets(t *testing.T, path string) uint16 {
	t.Helper()
	var port uint16
	err := DoPath(path, func() error {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		t.Cleanup(func() { ln.Close() })
		port = uint16(ln.Addr().(*net.TCPAddr).Port)
		c, err := net.Dial("tcp4", ln.Addr().String())
		if err != nil {
			return err
		}
		t.Cleanup(func() { c.Close() })
		a, err := ln.Accept()
		if err != nil {
			return err
		}
		t.Cleanup(func() { a.Close() })
		if ln6, err := net.Listen("tcp6", "[::1]:0"); err == nil {
			t.Cleanup(func() { ln6.Close() })
		} else {
			t.Logf("no IPv6 listener in %s: %v", path, err)
		}
		u, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		t.Cleanup(func() { u.Close() })
		return nil
	})
	if err != nil {
		t.Fatalf("making sockets in %s: %v", path, err)
	}
	return port
}

// ours returns the discovered namespaces that the world made, in
// Discover's order, failing unless each is there exactly once.
func (w *world) ours(t *testing.T, found []NetNS) []NetNS {
	t.Helper()
	want := map[uint64]bool{w.named.Inode: true, w.named2.Inode: true, w.unshared.Inode: true, w.bound.Inode: true}
	seen := map[nsKey]bool{}
	var out []NetNS
	for _, n := range found {
		k := nsKey{n.Dev, n.Inode}
		if seen[k] {
			t.Errorf("namespace %s (net:[%d]) found twice", n.Name, n.Inode)
		}
		seen[k] = true
		if want[n.Inode] {
			out = append(out, n)
		}
	}
	if len(out) != len(want) {
		t.Fatalf("found %d of the test's %d namespaces: %+v", len(out), len(want), out)
	}
	return out
}

func byInode(nss []NetNS, ino uint64) *NetNS {
	for i := range nss {
		if nss[i].Inode == ino {
			return &nss[i]
		}
	}
	return nil
}

func TestIntegrationDiscover(t *testing.T) {
	w := newWorld(t)
	found, errs := Discover(nil)
	for _, err := range errs {
		t.Logf("discover: %v", err)
	}
	ours := w.ours(t, found)
	for _, n := range ours {
		// /var/run/netns is /run/netns here: one path, not two.
		seen := map[string]bool{}
		for _, p := range n.Paths {
			if strings.HasPrefix(p, "/proc/") {
				continue // a magic link, one per process
			}
			real, err := filepath.EvalSymlinks(p)
			if err != nil {
				t.Errorf("%s: path %s: %v", n.Name, p, err)
			}
			if seen[real] {
				t.Errorf("%s: paths %v name one file twice", n.Name, n.Paths)
			}
			seen[real] = true
		}
	}

	n := byInode(ours, w.named.Inode)
	if n.Name != w.named.Name || n.IPName != w.named.Name || !slices.Contains(n.Paths, w.named.Path) || len(n.PIDs) == 0 {
		t.Errorf("named namespace = %+v, want name %s, path %s and the population's processes", n, w.named.Name, w.named.Path)
	}
	n = byInode(ours, w.named2.Inode)
	if n.Name != w.named2.Name || !slices.Contains(n.PIDs, int32(w.sleeper)) ||
		!slices.Contains(n.Paths, fmt.Sprintf("/proc/%d/ns/net", w.sleeper)) {
		t.Errorf("named namespace with a process = %+v, want name %s and PID %d", n, w.named2.Name, w.sleeper)
	}
	n = byInode(ours, w.unshared.Inode)
	if want := "pid:" + strconv.Itoa(w.unshared.PID); n.Name != want || !slices.Equal(n.PIDs, []int32{int32(w.unshared.PID)}) ||
		n.IPName != "" || !slices.Equal(n.Paths, []string{w.unshared.Path}) {
		t.Errorf("unshared namespace = %+v, want name %s, its one process and path %s", n, want, w.unshared.Path)
	}
	n = byInode(ours, w.bound.Inode)
	if n.Name != w.bound.Path || len(n.PIDs) != 0 || !slices.Equal(n.Paths, []string{w.bound.Path}) {
		t.Errorf("bind-mounted namespace = %+v, want it named by its only path %s", n, w.bound.Path)
	}

	// Without mounts, the bind-mounted namespace, which nothing else
	// holds, is not found; the others are.
	found, _ = Discover(&Options{NoMounts: true})
	if byInode(found, w.bound.Inode) != nil || byInode(found, w.unshared.Inode) == nil {
		t.Errorf("with NoMounts: bind-mounted found %v, unshared found %v", byInode(found, w.bound.Inode) != nil, byInode(found, w.unshared.Inode) != nil)
	}
}

// snapshot lists nss through a Source of netlink sources.
func snapshot(t *testing.T, nss []NetNS, f sockets.Filter) []sockets.Socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	src := NewSource(nss, SourceOptions{New: func() (sockets.Source, error) {
		return sockets.NewSystemSource(sockets.SourceOptions{Kind: "netlink"})
	}})
	got, err := src.Snapshot(ctx, f, nil)
	var partial *sockets.PartialError
	switch {
	case err == nil:
	case errors.As(err, &partial) && !slices.ContainsFunc(partial.Errs, func(e error) bool { return !errors.Is(e, sockets.ErrUnsupported) }):
		t.Logf("snapshot: %v", err)
	default:
		t.Fatalf("snapshot: %v", err)
	}
	return got
}

func TestIntegrationSource(t *testing.T) {
	w := newWorld(t)
	found, _ := Discover(nil)
	ours := w.ours(t, found)
	got := snapshot(t, ours, sockets.All)

	// Every socket once (inodes are global), in its namespace, the
	// namespaces in order.
	seen := map[string]bool{}
	last := -1
	for _, s := range got {
		k := fmt.Sprintf("%s/%d", s.Proto, s.Inode)
		if s.Inode != 0 && seen[k] {
			t.Errorf("socket %s listed twice", testutil.Describe(&s))
		}
		seen[k] = true
		i := slices.IndexFunc(ours, func(n NetNS) bool { return n.Inode == s.NetNS })
		if i < 0 {
			t.Fatalf("socket %s has netns %d, none of the listed namespaces", testutil.Describe(&s), s.NetNS)
		}
		if i < last {
			t.Errorf("socket %s of namespace %d after one of namespace %d", testutil.Describe(&s), i, last)
		}
		last = i
	}

	// One attribution of every namespace's sockets (socket inodes are
	// global): the population's namespace holds exactly the population,
	// with its owners.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := procattr.Attribute(ctx, got, procattr.Options{Details: true}); err != nil {
		t.Fatalf("procattr.Attribute: %v", err)
	}
	var pop []sockets.Socket
	for _, s := range got {
		if s.NetNS == w.named.Inode {
			pop = append(pop, s)
		}
	}
	w.pop.Check(t, pop)

	// The test's own listeners are in their namespaces, held by the test
	// process, which is in none of them.
	for ino, port := range w.ports {
		i := slices.IndexFunc(got, func(s sockets.Socket) bool {
			return s.NetNS == ino && s.Proto == sockets.TCP && s.State == sockets.Listen && s.Local.Port() == port
		})
		if i < 0 {
			t.Errorf("listener on port %d missing from net:[%d]", port, ino)
			continue
		}
		if pids := testutil.PIDs(got[i].Processes); !slices.Equal(pids, []int32{int32(os.Getpid())}) {
			t.Errorf("listener on port %d in net:[%d] held by %v, want the test process %d", port, ino, pids, os.Getpid())
		}
	}

	// Each namespace's TCP sockets are those ss sees inside it.
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("needs ss (iproute2) to compare with")
	}
	tcp := snapshot(t, ours, sockets.Filter{Protos: sockets.ProtoSet(0).With(sockets.TCP)})
	for _, n := range ours {
		var cmd *exec.Cmd
		if n.IPName != "" {
			cmd = exec.Command("ip", "netns", "exec", n.IPName, "ss", "-Htan")
		} else {
			cmd = exec.Command("nsenter", "--net="+n.Paths[0], "ss", "-Htan")
		}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		want := ssPorts(t, out)
		var mine []string
		for _, s := range tcp {
			if s.NetNS == n.Inode && s.State != sockets.Close { // ss -a shows bound-inactive sockets only from iproute2 6.7
				mine = append(mine, fmt.Sprintf("%d>%d", s.Local.Port(), s.Remote.Port()))
			}
		}
		slices.Sort(mine)
		if !slices.Equal(mine, want) {
			t.Errorf("namespace %s: TCP sockets (local>remote port)\n got %v\nwant %v (ss -tan)", n.Name, mine, want)
		}
	}
}

// ssPorts returns "LOCALPORT>REMOTEPORT" of each line of ss -Htan but
// bound-inactive ones (UNCONN), sorted.
func ssPorts(t *testing.T, out []byte) []string {
	var ports []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		if f[0] == "UNCONN" {
			continue
		}
		ports = append(ports, portOf(t, f[3])+">"+portOf(t, f[4]))
	}
	slices.Sort(ports)
	return ports
}

func portOf(t *testing.T, addr string) string {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		t.Fatalf("ss address %q without a port", addr)
	}
	if p := addr[i+1:]; p != "*" {
		return p
	}
	return "0"
}

func TestIntegrationStream(t *testing.T) {
	w := newWorld(t)
	found, _ := Discover(nil)
	ours := w.ours(t, found)
	want := snapshot(t, ours, sockets.All)

	var packed sockets.Packed
	src := NewSource(ours, SourceOptions{New: func() (sockets.Source, error) {
		return sockets.NewSystemSource(sockets.SourceOptions{Kind: "netlink"})
	}, Limit: 2})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := src.Stream(ctx, sockets.All, &packed); err != nil {
		var partial *sockets.PartialError
		if !errors.As(err, &partial) {
			t.Fatal(err)
		}
		t.Logf("stream: %v", err)
	}
	var got []sockets.Socket
	for s := range packed.All() {
		got = append(got, *s)
	}
	// The same namespaces in the same order, with as many sockets (a
	// socket may come and go between the two listings only by the
	// population's doing, which holds them still).
	count := func(l []sockets.Socket) []string {
		var out []string
		for i := 0; i < len(l); {
			j := i
			for j < len(l) && l[j].NetNS == l[i].NetNS {
				j++
			}
			out = append(out, fmt.Sprintf("net:[%d]x%d", l[i].NetNS, j-i))
			i = j
		}
		return out
	}
	if g, w := count(got), count(want); !slices.Equal(g, w) {
		t.Errorf("streamed namespaces and counts %v, snapshot %v", g, w)
	}
}

func TestIntegrationWithNetDir(t *testing.T) {
	w := newWorld(t)
	found, _ := Discover(nil)
	ours := w.ours(t, found)
	for _, ino := range []uint64{w.unshared.Inode, w.bound.Inode, w.named2.Inode} {
		n := byInode(ours, ino)
		hex := fmt.Sprintf(":%04X ", w.ports[ino])
		err := WithNetDir(n, func(dir string) error {
			if len(n.PIDs) > 0 && dir != fmt.Sprintf("/proc/%d/net", n.PIDs[0]) {
				t.Errorf("%s: dir %s, want its first process's", n.Name, dir)
			}
			for _, f := range []string{"snmp", "netstat", "sockstat"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("%s: %v", n.Name, err)
				}
			}
			tcp, err := os.ReadFile(filepath.Join(dir, "tcp"))
			if err != nil {
				return err
			}
			if !strings.Contains(string(tcp), hex) {
				t.Errorf("%s: %s/tcp lacks the listener on port %d:\n%s", n.Name, dir, w.ports[ino], tcp)
			}
			return nil
		})
		if err != nil {
			t.Errorf("%s: %v", n.Name, err)
		}
	}
}

func TestIntegrationResolve(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		value string
		ino   uint64
		name  string
	}{
		{w.named.Name, w.named.Inode, w.named.Name},
		{w.named.Path, w.named.Inode, w.named.Name},
		{strconv.Itoa(w.sleeper), w.named2.Inode, w.named2.Name},
		{strconv.Itoa(w.unshared.PID), w.unshared.Inode, "pid:" + strconv.Itoa(w.unshared.PID)},
		// The name a listing gives it.
		{"pid:" + strconv.Itoa(w.unshared.PID), w.unshared.Inode, "pid:" + strconv.Itoa(w.unshared.PID)},
		{w.unshared.Path, w.unshared.Inode, w.unshared.Path},
		{w.bound.Path, w.bound.Inode, w.bound.Path},
	} {
		n, err := Resolve(tc.value, nil)
		if err != nil || n.Inode != tc.ino || n.Name != tc.name {
			t.Errorf("Resolve(%q) = %+v, %v; want net:[%d] named %s", tc.value, n, err, tc.ino, tc.name)
			continue
		}
		// What Resolve returns can be entered.
		if err := Do(&n, func() error { return nil }); err != nil {
			t.Errorf("Do(Resolve(%q)): %v", tc.value, err)
		}
	}
	for value, msg := range map[string]string{
		"":                        "empty network namespace",
		"sockscope-no-such-netns": `no network namespace named "sockscope-no-such-netns" (see ip netns list)`,
		"pid:":                    `no network namespace named "pid:" (see ip netns list)`,
		"4194305":                 "process 4194305 does not exist",
		"/nonexistent/sockscope":  "no such file",
		"/etc/hostname":           "not a namespace file",
		"/proc/self/ns/mnt":       "another kind",
		"/run":                    "is a directory",
		".":                       "not a network namespace name",
		"..":                      "not a network namespace name",
	} {
		_, err := Resolve(value, nil)
		if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), msg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Resolve(%q) error = %v, want one line wrapping ErrInvalid with %q", value, err, msg)
		}
	}
}
