package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/testutil"
)

// TestIntegrationNetToolsViews runs every view through the netstat name and
// compares it with net-tools' netstat, run just before and just after in the
// same namespace the test sets up: interfaces up, down and without ARP,
// IPv4 and IPv6 routes (unreachable ones too), multicast groups, and TCP
// sockets in several states. Lines must be equal; a number may differ only
// by lying between net-tools' two readings (a counter or timer that moved).
func TestIntegrationNetToolsViews(t *testing.T) {
	testutil.RequireRoot(t)
	real := testutil.NetToolsNetstat(t)
	bin := sockscopeBinary(t)
	link := filepath.Join(t.TempDir(), "netstat")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	ns := testutil.NewNetNS(t)
	setupViews(t, ns)

	for _, args := range [][]string{
		{"-rn"}, {"-r"}, {"-rn6"}, {"-rn", "-A", "inet6"}, {"-rn", "-A", "inet,inet6"}, {"-rn4"}, {"-tan", "-A", "inet6"}, {"--route", "--numeric"}, {"--programs", "-tn"}, {"-rne"}, {"-ree"}, {"-rnee"}, {"-rne6"},
		{"-i"}, {"-ia"}, {"-ie"}, {"-iea"},
		{"-g"}, {"-gn"},
		{"-s"}, {"-st"}, {"-su"}, {"-sw"}, {"-s4"}, {"-s6"}, {"-stu"},
		{"-tan"}, {"-tano"}, {"-uan"}, {"-tanW"}, {"-t"}, {"-tW"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			before := runIn(t, ns, real, args...)
			ours := runIn(t, ns, link, args...)
			after := runIn(t, ns, real, args...)
			if msg := compareReadings(before, ours, after); msg != "" {
				t.Errorf("%s\nnet-tools:\n%s\nsockscope:\n%s", msg, before, ours)
			}
		})
	}
}

// runIn runs prog with args in ns and returns its standard output; a
// non-zero exit fails the test.
func runIn(t *testing.T, ns *testutil.NetNS, prog string, args ...string) string {
	t.Helper()
	cmd := ns.Command(prog, args...)
	cmd.Env = append(os.Environ(), "LANG=C", "LC_ALL=C")
	stdout, stderr, code := run(t, cmd)
	if code != 0 {
		t.Fatalf("%s %q: exit %d\n%s", prog, args, code, stderr)
	}
	return string(stdout)
}

// compareReadings compares ours with net-tools' readings before and after
// it. It returns "" when ours equals one of them, or when each line has the
// same words and every word differs at most in numbers that lie between the
// two readings; else it says where it differs.
func compareReadings(before, ours, after string) string {
	if ours == before || ours == after {
		return ""
	}
	b, o, a := strings.Split(before, "\n"), strings.Split(ours, "\n"), strings.Split(after, "\n")
	if len(o) != len(b) || len(o) != len(a) {
		return "line count " + strconv.Itoa(len(o)) + ", net-tools " + strconv.Itoa(len(b)) + " then " + strconv.Itoa(len(a))
	}
	for i := range o {
		if o[i] == b[i] || o[i] == a[i] {
			continue
		}
		if !lineWithin(b[i], o[i], a[i]) {
			return "line " + strconv.Itoa(i+1) + ":\n  net-tools " + strconv.Quote(b[i]) + "\n  sockscope " + strconv.Quote(o[i]) + "\n  net-tools " + strconv.Quote(a[i])
		}
	}
	return ""
}

// lineWithin reports whether line o has the words of b and a, with every
// number between the numbers at the same place in b and a.
func lineWithin(b, o, a string) bool {
	bw, ow, aw := strings.Fields(b), strings.Fields(o), strings.Fields(a)
	if len(ow) != len(bw) || len(ow) != len(aw) {
		return false
	}
	for i := range ow {
		bn, bs := numbers(bw[i])
		on, os := numbers(ow[i])
		an, as := numbers(aw[i])
		if os != bs || os != as || len(on) != len(bn) || len(on) != len(an) {
			return false
		}
		for j := range on {
			lo, hi := min(bn[j], an[j]), max(bn[j], an[j])
			if on[j] < lo || on[j] > hi {
				return false
			}
		}
	}
	return true
}

// numbers returns the numbers in word and word with each replaced by "#".
func numbers(word string) ([]float64, string) {
	var nums []float64
	var skel strings.Builder
	for i := 0; i < len(word); {
		j := i
		for j < len(word) && (word[j] >= '0' && word[j] <= '9' || j > i && word[j] == '.' && j+1 < len(word) && word[j+1] >= '0' && word[j+1] <= '9') {
			j++
		}
		if j == i {
			skel.WriteByte(word[i])
			i++
			continue
		}
		v, _ := strconv.ParseFloat(word[i:j], 64)
		nums = append(nums, v)
		skel.WriteByte('#')
		i = j
	}
	return nums, skel.String()
}

// setupViews gives ns something to show in every view: a veth pair with
// IPv4 and IPv6 addresses, an interface that is down, one without ARP,
// routes (an unreachable one and a /128 on lo among them), multicast
// groups joined by sockets the test holds, and TCP sockets listening,
// established (with keepalive) and in TIME_WAIT.
func setupViews(t *testing.T, ns *testutil.NetNS) {
	t.Helper()
	for _, c := range [][]string{
		{"link", "add", "veth0", "type", "veth", "peer", "name", "veth1"},
		{"addr", "add", "10.77.0.1/24", "dev", "veth0"},
		{"addr", "add", "10.77.0.2/24", "dev", "veth1"},
		{"-6", "addr", "add", "fd77::1/64", "dev", "veth0", "nodad"},
		{"-6", "addr", "add", "fd77::2/64", "dev", "veth1", "nodad"},
		{"link", "set", "veth0", "up"},
		{"link", "set", "veth1", "up"},
		{"link", "add", "down0", "type", "veth", "peer", "name", "down1"},
		{"link", "add", "noarp0", "type", "veth", "peer", "name", "noarp1"},
		{"link", "set", "noarp0", "arp", "off", "up"},
		{"link", "set", "noarp1", "up"},
		{"route", "add", "10.78.0.0/16", "via", "10.77.0.3"},
		{"route", "add", "unreachable", "10.79.0.0/16"},
		{"route", "add", "10.80.1.1", "dev", "veth0"},
		{"-6", "route", "add", "fd78::/48", "via", "fd77::3"},
		{"-6", "route", "add", "unreachable", "fd79::/48"},
		{"-6", "route", "add", "unreachable", "fd80::1/128", "dev", "lo"},
	} {
		if out, err := exec.Command("ip", append([]string{"-n", ns.Name}, c...)...).CombinedOutput(); err != nil {
			t.Fatalf("ip %q: %v\n%s", c, err, out)
		}
	}
	var closers []func()
	t.Cleanup(func() {
		for _, c := range closers {
			c()
		}
	})
	err := ns.Do(func() error {
		// Multicast groups, IPv4 and IPv6, on veth0 and lo.
		for _, g := range []struct {
			v6    bool
			group string
			dev   string
		}{{false, "239.1.2.3", "veth0"}, {false, "239.1.2.4", "lo"}, {true, "ff15::77", "veth0"}} {
			ifi, err := net.InterfaceByName(g.dev)
			if err != nil {
				return err
			}
			if g.v6 {
				fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM, 0)
				if err != nil {
					return err
				}
				mreq := &unix.IPv6Mreq{Interface: uint32(ifi.Index)}
				copy(mreq.Multiaddr[:], net.ParseIP(g.group).To16())
				if err := unix.SetsockoptIPv6Mreq(fd, unix.IPPROTO_IPV6, unix.IPV6_JOIN_GROUP, mreq); err != nil {
					return err
				}
				closers = append(closers, func() { unix.Close(fd) })
				continue
			}
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
			if err != nil {
				return err
			}
			mreq := &unix.IPMreqn{Ifindex: int32(ifi.Index)}
			copy(mreq.Multiaddr[:], net.ParseIP(g.group).To4())
			if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, mreq); err != nil {
				return err
			}
			closers = append(closers, func() { unix.Close(fd) })
		}
		// TCP: a listener, an established pair with keepalive, a pair
		// closed into TIME_WAIT; UDP bound.
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		closers = append(closers, func() { ln.Close() })
		c, err := net.Dial("tcp4", ln.Addr().String())
		if err != nil {
			return err
		}
		c.(*net.TCPConn).SetKeepAlivePeriod(2 * time.Hour)
		s, err := ln.Accept()
		if err != nil {
			return err
		}
		closers = append(closers, func() { c.Close(); s.Close() })
		tw, err := net.Dial("tcp4", ln.Addr().String())
		if err != nil {
			return err
		}
		tws, err := ln.Accept()
		if err != nil {
			return err
		}
		tw.Close() // the active closer ends in TIME_WAIT
		tws.Close()
		// A dual-stack listener's connection over IPv4: a tcp6 socket
		// with IPv4-mapped addresses.
		dual, err := net.Listen("tcp", "[::]:0")
		if err != nil {
			return err
		}
		closers = append(closers, func() { dual.Close() })
		mc, err := net.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(dual.Addr().(*net.TCPAddr).Port))
		if err != nil {
			return err
		}
		ms, err := dual.Accept()
		if err != nil {
			return err
		}
		closers = append(closers, func() { mc.Close(); ms.Close() })
		u, err := net.ListenPacket("udp6", "[::1]:0")
		if err != nil {
			return err
		}
		closers = append(closers, func() { u.Close() })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Let the closed pair reach TIME_WAIT and the kernel settle.
	time.Sleep(200 * time.Millisecond)
}
