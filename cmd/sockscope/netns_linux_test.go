package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/testutil"
)

// TestIntegrationAllNetNS: --all-netns finds namespaces of every kind (one
// named with ip netns, holding the test population; one held by a
// process; one only a bind mount outside /run/netns holds), lists every
// socket once, in its namespace, with its owners (a socket this test
// process opened inside a namespace is attributed to it), and names each
// namespace; --netns NAME lists what ss lists inside NAME.
func TestIntegrationAllNetNS(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	named := testutil.NewNetNS(t)
	p := testutil.StartPopulation(t, named)
	held := testutil.NewUnsharedNetNS(t)
	mounted := testutil.NewBindMountedNetNS(t)

	// A listener in each held namespace, opened by this process: its
	// socket lives in that namespace, its owner in ours.
	listeners := map[uint64]netip.AddrPort{}
	for _, h := range []*testutil.HeldNetNS{held, mounted} {
		ln, err := listenIn(h.Path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		listeners[h.Inode] = netip.MustParseAddrPort(ln.Addr().String())
	}

	stdout, stderr, code := run(t, exec.Command(bin, "--all-netns", "--all", "--format", "json"))
	if code != 0 {
		t.Fatalf("exit status %d\nstderr:\n%s", code, stderr)
	}
	got, err := decodeListing(stdout)
	if err != nil {
		t.Fatal(err)
	}
	names := netnsNames(t, stdout)
	seen := map[string]bool{}
	for i := range got {
		s := &got[i]
		key := fmt.Sprint(s.NetNS, s.Proto, s.Family, s.Local, s.Remote, s.Inode, s.Path)
		if seen[key] {
			t.Errorf("listed twice: %s in netns %d", testutil.Describe(s), s.NetNS)
		}
		seen[key] = true
	}
	in := func(inode uint64) []sockets.Socket {
		return slices.DeleteFunc(slices.Clone(got), func(s sockets.Socket) bool { return s.NetNS != inode })
	}
	// Bound-inactive sockets are left out unless a state filter names
	// them (docs/netns.md): the kernel would walk the machine's bind table
	// once per namespace to find them.
	p.WithoutBoundInactive().Check(t, in(named.Inode))
	stdout2, stderr, code := run(t, exec.Command(bin, "--all-netns", "-tan", "--format", "json", "state", "bound-inactive"))
	if code != 0 {
		t.Fatalf("state bound-inactive: exit status %d\nstderr:\n%s", code, stderr)
	}
	inactive, err := decodeListing(stdout2)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Expected {
		if e.BoundInactive && !slices.ContainsFunc(inactive, func(s sockets.Socket) bool { return s.Local == e.Local && s.NetNS == named.Inode }) {
			t.Errorf("state bound-inactive: %s (%v) not listed", e.Name, e.Local)
		}
	}
	if names[named.Inode] != named.Name {
		t.Errorf("the named namespace is called %q, want %q", names[named.Inode], named.Name)
	}
	for _, h := range []*testutil.HeldNetNS{held, mounted} {
		socks := in(h.Inode)
		i := slices.IndexFunc(socks, func(s sockets.Socket) bool { return s.State == sockets.Listen && s.Local == listeners[h.Inode] })
		switch {
		case i < 0:
			t.Errorf("namespace %s (%d): no listener %v in\n%v", h.Path, h.Inode, listeners[h.Inode], socks)
		case !slices.Contains(testutil.PIDs(socks[i].Processes), int32(os.Getpid())):
			t.Errorf("namespace %s: listener held by %v, want this process %d", h.Path, testutil.PIDs(socks[i].Processes), os.Getpid())
		}
		if names[h.Inode] == "" {
			t.Errorf("namespace %s has no name", h.Path)
		}
	}
	if want := fmt.Sprintf("pid:%d", held.PID); names[held.Inode] != want {
		t.Errorf("the held namespace is called %q, want %q", names[held.Inode], want)
	}

	// The table has a NETNS column naming the namespace of each row.
	stdout, stderr, code = run(t, exec.Command(bin, "--all-netns", "-tln"))
	if code != 0 {
		t.Fatalf("-tln: exit status %d\nstderr:\n%s", code, stderr)
	}
	lines := strings.Split(string(stdout), "\n")
	if !strings.HasPrefix(lines[0], "NetNS ") {
		t.Errorf("no NetNS column:\n%s", stdout)
	}
	for inode, ap := range listeners {
		if !slices.ContainsFunc(lines, func(l string) bool {
			f := strings.Fields(l)
			return len(f) > 4 && f[0] == names[inode] && f[4] == ap.String()
		}) {
			t.Errorf("no row of %s in namespace %s:\n%s", ap, names[inode], stdout)
		}
	}

	// --netns NAME sees the TCP sockets ss sees inside NAME.
	stdout, stderr, code = run(t, exec.Command(bin, "--netns", named.Name, "-tan", "--format", "json"))
	if code != 0 {
		t.Fatalf("--netns: exit status %d\nstderr:\n%s", code, stderr)
	}
	ours, err := decodeListing(stdout)
	if err != nil {
		t.Fatal(err)
	}
	var ourLines []string
	for i := range ours {
		if ours[i].State == sockets.Close {
			continue // bound, inactive: ss 6.1 does not ask the kernel for them
		}
		ourLines = append(ourLines, ssKey(ours[i].StateName(), ours[i].Local.String(), ours[i].Remote.String()))
	}
	theirs, err := named.Command("ss", "-tanH").Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	var ssLines []string
	for _, l := range strings.Split(strings.TrimSpace(string(theirs)), "\n") {
		if f := strings.Fields(l); len(f) >= 5 {
			ssLines = append(ssLines, ssKey(f[0], f[3], f[4]))
		}
	}
	slices.Sort(ourLines)
	slices.Sort(ssLines)
	if !slices.Equal(ourLines, ssLines) {
		t.Errorf("--netns %s -tan and ss -tan inside it differ:\nours %q\nss   %q", named.Name, ourLines, ssLines)
	}
}

// TestIntegrationStatsNetNS: stats --netns NAME reads the counters of that
// namespace, and stats --all-netns those of every one, each named: the
// named namespace's CurrEstab and ActiveOpens between two reads of its
// /proc/net/snmp taken around ours.
func TestIntegrationStatsNetNS(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	named := testutil.NewNetNS(t)
	testutil.StartPopulation(t, named)
	snmp := func() map[string]int64 {
		out, err := named.Command("cat", "/proc/net/snmp").Output()
		if err != nil {
			t.Fatal(err)
		}
		var head []string
		m := map[string]int64{}
		for _, l := range strings.Split(string(out), "\n") {
			f := strings.Fields(l)
			if len(f) < 2 || f[0] != "Tcp:" {
				continue
			}
			if head == nil {
				head = f[1:]
				continue
			}
			for i, v := range f[1:] {
				var n int64
				fmt.Sscan(v, &n)
				m[head[i]] = n
			}
		}
		return m
	}
	type doc struct {
		NetNS     uint64 `json:"netns"`
		NetNSName string `json:"netns_name"`
		Groups    []struct {
			Name     string
			Counters map[string]int64
		}
	}
	for _, args := range [][]string{{"--netns", named.Name}, {"--all-netns"}} {
		before := snmp()
		stdout, stderr, code := run(t, exec.Command(bin, append([]string{"stats", "-p", "tcp", "--format", "json"}, args...)...))
		after := snmp()
		if code != 0 {
			t.Fatalf("%q: exit status %d\nstderr:\n%s", args, code, stderr)
		}
		// One document; with --all-netns it holds one per namespace,
		// and the named namespace's is the one to check.
		var all struct {
			doc
			Namespaces []doc
		}
		if err := json.Unmarshal(stdout, &all); err != nil {
			t.Fatalf("%q: %v\n%s", args, err, stdout)
		}
		var mine *doc
		if args[0] == "--netns" {
			mine = &all.doc
		}
		for i := range all.Namespaces {
			if all.Namespaces[i].NetNS == named.Inode {
				mine = &all.Namespaces[i]
			}
		}
		if mine == nil || len(mine.Groups) == 0 || mine.Groups[0].Name != "Tcp" {
			t.Fatalf("%q: no Tcp group of namespace %d in\n%s", args, named.Inode, stdout)
		}
		if args[0] == "--all-netns" && mine.NetNSName != named.Name {
			t.Errorf("--all-netns: the namespace is called %q, want %q", mine.NetNSName, named.Name)
		}
		for _, k := range []string{"ActiveOpens", "CurrEstab", "PassiveOpens"} {
			got := mine.Groups[0].Counters[k]
			if lo, hi := min(before[k], after[k]), max(before[k], after[k]); got < lo || got > hi || hi == 0 {
				t.Errorf("%q: %s = %d, want between %d and %d (the namespace's, not ours)", args, k, got, lo, hi)
			}
		}
	}
}

// ssKey is a TCP socket in a form both listings reduce to: the state as
// ss names it (ESTAB, FIN-WAIT-1), and the endpoints with IPv4-mapped
// addresses unmapped and every unspecified address and port as "*", as
// ss prints them.
func ssKey(state, local, remote string) string {
	state = strings.NewReplacer("ESTABLISHED", "ESTAB", "_", "-", "WAIT1", "WAIT-1", "WAIT2", "WAIT-2").Replace(state)
	return state + " " + keyEndpoint(local) + " " + keyEndpoint(remote)
}

func keyEndpoint(e string) string {
	i := strings.LastIndexByte(e, ':')
	if i < 0 {
		return e
	}
	host, port := strings.Trim(e[:i], "[]"), e[i+1:]
	if port == "0" {
		port = "*"
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if a = a.Unmap(); a.IsUnspecified() {
			host = "*"
		} else {
			host = a.String()
		}
	}
	return host + ":" + port
}

// listenIn opens a TCP listener on 127.0.0.1 inside the namespace at path,
// held by this process.
func listenIn(path string) (net.Listener, error) {
	var ln net.Listener
	err := netns.DoPath(path, func() error {
		var err error
		ln, err = net.Listen("tcp", "127.0.0.1:0")
		return err
	})
	return ln, err
}

// listenerIn is listenIn for a test: it fails the test if it cannot
// listen, closes the listener when the test ends, and returns its port.
func listenerIn(t *testing.T, path string) (net.Listener, int) {
	t.Helper()
	ln, err := listenIn(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, ln.Addr().(*net.TCPAddr).Port
}

// closedPortIn returns a loopback port of the namespace at path that
// nothing listens on (one just listened on and closed).
func closedPortIn(t *testing.T, path string) int {
	t.Helper()
	ln, port := listenerIn(t, path)
	ln.Close()
	return port
}

// refusedIn makes n connects to port, where nothing listens, in the
// namespace at path; one that is accepted fails the test.
func refusedIn(t *testing.T, path string, port, n int) {
	t.Helper()
	for range n {
		netns.DoPath(path, func() error {
			if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
				c.Close()
				t.Error("a connect to a closed port succeeded")
			}
			return nil
		})
	}
}

// netnsNames reads the netns_name of each namespace in a JSON listing.
func netnsNames(t *testing.T, data []byte) map[uint64]string {
	var l struct {
		Sockets []struct {
			NetNS     uint64 `json:"netns"`
			NetNSName string `json:"netns_name"`
		}
	}
	if err := json.NewDecoder(bufio.NewReader(strings.NewReader(string(data)))).Decode(&l); err != nil {
		t.Fatal(err)
	}
	names := map[uint64]string{}
	for _, s := range l.Sockets {
		if old, ok := names[s.NetNS]; ok && old != s.NetNSName {
			t.Errorf("namespace %d is called both %q and %q", s.NetNS, old, s.NetNSName)
		}
		names[s.NetNS] = s.NetNSName
	}
	return names
}

// TestIntegrationContainer: a real podman container's listener, in the
// container's own network namespace, is listed by --all-netns in a
// namespace named after the container, with the container's id and name
// in JSON, and by --netns PID of the container's process.
func TestIntegrationContainer(t *testing.T) {
	c := testutil.StartPodmanHTTPD(t)
	bin := sockscopeBinary(t)
	local := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(c.Port))
	for _, args := range [][]string{
		{"--all-netns", "-tln", "--format", "json"},
		{"--netns", fmt.Sprint(c.PID), "-tln", "--format", "json"},
		{"--all-netns", "-tln", "--format", "json", "container", "=", c.Name},
		{"--all-netns", "-tln", "--format", "json", "netns = " + c.Name + " and sport = :" + fmt.Sprint(c.Port)},
	} {
		stdout, stderr, code := run(t, exec.Command(bin, args...))
		if code != 0 {
			t.Fatalf("%q: exit status %d\nstderr:\n%s", args, code, stderr)
		}
		var l struct {
			Sockets []struct {
				Local     struct{ IP string }
				NetNSName string `json:"netns_name"`
				Container struct{ ID, Name, Runtime string }
				Processes []struct {
					PID       int
					Container string
				}
			}
		}
		if err := json.Unmarshal(stdout, &l); err != nil {
			t.Fatal(err)
		}
		got, err := decodeListing(stdout)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(got, func(s sockets.Socket) bool { return s.Local == local && s.State == sockets.Listen })
		if i < 0 {
			t.Errorf("%q: no listener %v:\n%s", args, local, stdout)
			continue
		}
		s := l.Sockets[i]
		if s.NetNSName != c.Name || s.Container.ID != c.ID || s.Container.Name != c.Name || s.Container.Runtime != "podman" {
			t.Errorf("%q: the container's listener says netns %q, container %+v; want %s (%s)", args, s.NetNSName, s.Container, c.Name, c.ID)
		}
		if slices.ContainsFunc(args, func(a string) bool { return strings.Contains(a, "=") }) {
			for _, o := range l.Sockets {
				if o.Container.ID != c.ID {
					t.Errorf("%q: a socket of another namespace (%q) passed the filter", args, o.NetNSName)
				}
			}
		}
		if len(s.Processes) != 1 || s.Processes[0].PID != c.PID || s.Processes[0].Container != c.ID {
			t.Errorf("%q: held by %+v, want the container's httpd %d in container %s", args, s.Processes, c.PID, c.ID)
		}
	}
}
