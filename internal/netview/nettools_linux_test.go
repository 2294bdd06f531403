package netview

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/ifaces"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/routes"
	"github.com/sockscope/sockscope/internal/testutil"
)

// ipNS runs ip -n NS ARGS, failing the test on an error.
func ipNS(t *testing.T, ns *testutil.NetNS, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", append([]string{"-n", ns.Name}, args...)...).CombinedOutput()
	if err != nil {
		return &ipError{args: args, out: string(out), err: err}
	}
	return nil
}

type ipError struct {
	args []string
	out  string
	err  error
}

func (e *ipError) Error() string {
	return "ip " + strings.Join(e.args, " ") + ": " + e.err.Error() + ": " + strings.TrimSpace(e.out)
}

// setupNetToolsNS builds the namespace the views are compared in: lo up,
// a veth pair with IPv4 and IPv6 addresses (one end without ARP, the
// other promiscuous and all-multicast, with an address label veth-a:1), a
// down dummy interface (an ifb one where the kernel has no dummy driver),
// a down bridge, a point-to-point tun device where the kernel has tun,
// IPv4 and IPv6 routes of every kind net-tools prints differently (a
// gateway, a host route, unreachable, prohibit and blackhole, an IPv6
// reject /48 and a reject /128 on lo, a /128 on lo), and multicast groups
// of both families joined by sockets held open until the test ends; and
// its own /etc/resolv.conf, hosts and networks (nsHosts, nsNetworks).
func setupNetToolsNS(t *testing.T) *testutil.NetNS {
	ns := testutil.NewNetNS(t)
	// net-tools asks the resolver for names without -n; "ip netns exec"
	// mounts /etc/netns/NAME/resolv.conf over /etc/resolv.conf, so point it
	// at the namespace's own loopback, where nothing answers, at once.
	etc := nsEtc(ns)
	_, err := os.Stat("/etc/netns")
	made := err != nil
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.RemoveAll(etc)
		if made {
			os.Remove("/etc/netns") // only if empty: another run may use it
		}
	})
	for name, text := range map[string]string{
		"resolv.conf": "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
		"hosts":       nsHosts,
		"networks":    nsNetworks,
	} {
		if err := os.WriteFile(filepath.Join(etc, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must := func(args ...string) {
		t.Helper()
		if err := ipNS(t, ns, args...); err != nil {
			if strings.Contains(err.Error(), "Unknown device type") {
				t.Skipf("no veth support here: %v", err)
			}
			t.Fatal(err)
		}
	}
	must("link", "add", "veth-a", "type", "veth", "peer", "name", "veth10")
	must("link", "set", "veth-a", "up")
	must("link", "set", "veth10", "up")
	must("link", "set", "veth10", "arp", "off")
	if err := ipNS(t, ns, "link", "add", "down0", "type", "dummy"); err != nil {
		must("link", "add", "down0", "type", "ifb")
	}
	must("link", "set", "veth-a", "promisc", "on")
	must("link", "set", "veth-a", "allmulticast", "on")
	must("link", "add", "br0", "type", "bridge") // down, no address
	// A point-to-point device without hardware address (net-tools' unspec
	// type), where the kernel has tun.
	if ipNS(t, ns, "tuntap", "add", "mode", "tun", "dev", "tun0") == nil {
		must("link", "set", "tun0", "up")
		must("addr", "add", "10.9.9.1", "peer", "10.9.9.2", "dev", "tun0")
	}
	must("addr", "add", "192.0.2.10/24", "brd", "+", "dev", "veth-a")
	must("addr", "add", "192.0.2.20/24", "dev", "veth-a", "label", "veth-a:1") // an alias: no statistics
	must("addr", "add", "198.51.100.1/24", "dev", "veth10")
	must("-6", "addr", "add", "2001:db8:1::10/64", "dev", "veth-a", "nodad")
	must("-6", "addr", "add", "2001:db8:2::1/64", "dev", "veth10", "nodad")
	must("route", "add", "default", "via", "192.0.2.1", "dev", "veth-a", "metric", "100")
	must("route", "add", "10.20.0.0/16", "via", "192.0.2.254", "dev", "veth-a")
	must("route", "add", "10.30.0.1/32", "dev", "veth10")
	must("route", "add", "10.40.0.0/16", "via", "198.51.100.254", "dev", "veth10") // a gateway name longer than its column
	must("route", "add", "unreachable", "10.99.0.0/16")
	must("route", "add", "prohibit", "10.98.1.1/32")
	must("route", "add", "blackhole", "10.97.0.0/16")
	must("-6", "route", "add", "2001:db8:9::/48", "via", "2001:db8:1::1", "dev", "veth-a")
	must("-6", "route", "add", "default", "via", "2001:db8:1::1", "dev", "veth-a", "metric", "1024")
	must("-6", "route", "add", "unreachable", "2001:db8:dead::/48")
	must("-6", "route", "add", "unreachable", "2001:db8:beef::1/128", "dev", "lo")
	must("-6", "route", "add", "2001:db8:77::1/128", "dev", "lo")
	return ns
}

// nsHosts and nsNetworks are the namespace's /etc/hosts and /etc/networks
// (mounted by "ip netns exec"): names for a gateway, a host route, a
// reject host route, multicast groups and IPv6 addresses, and networks
// spelled with fewer than four parts.
const (
	nsHosts = `# comment
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
192.0.2.1	gw-one gw-alias
10.30.0.1	hostroute
10.98.1.1	blocked-host
239.1.2.3	mcast-test
ff15::1234	mcast6
2001:db8:1::1	gw6
10.20.0.0	net-as-host
198.51.100.254	a-very-long-host-name-past-fifteen
`
	nsNetworks = `default		0.0.0.0
loopback	127.0.0.0
link-local	169.254.0.0
twenty		10.20.0.0
nine		198.51.100 # padded to 198.51.100.0
`
)

// nsEtc is where setupNetToolsNS puts the namespace's /etc files.
func nsEtc(ns *testutil.NetNS) string { return filepath.Join("/etc/netns", ns.Name) }

// joinGroups joins 239.1.2.3 and ff15::1234 on veth-a (twice for the
// IPv4 group, so its RefCnt is 2) from sockets made inside ns; they are
// closed when the test ends.
func joinGroups(t *testing.T, ns *testutil.NetNS) {
	var fds []int
	t.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	})
	err := ns.Do(func() error {
		ifi, err := interfaceIndex("veth-a")
		if err != nil {
			return err
		}
		for i := 0; i < 2; i++ {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return err
			}
			fds = append(fds, fd)
			mreq := &unix.IPMreqn{Multiaddr: [4]byte{239, 1, 2, 3}, Ifindex: int32(ifi)}
			if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, mreq); err != nil {
				return err
			}
		}
		fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		fds = append(fds, fd)
		m6 := &unix.IPv6Mreq{Multiaddr: netip.MustParseAddr("ff15::1234").As16(), Interface: uint32(ifi)}
		return unix.SetsockoptIPv6Mreq(fd, unix.IPPROTO_IPV6, unix.IPV6_JOIN_GROUP, m6)
	})
	if err != nil {
		t.Fatalf("joining multicast groups: %v", err)
	}
}

// interfaceIndex asks the calling thread's namespace for name's index.
func interfaceIndex(name string) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr); err != nil {
		return 0, err
	}
	return int(ifr.Uint32()), nil
}

// nsData is what the views read, read inside the namespace.
type nsData struct {
	kernel  []routes.KernelRoute
	devices *ifaces.DeviceTable
	groups  []ifaces.Membership
}

func readNSData(t *testing.T, ns *testutil.NetNS) nsData {
	t.Helper()
	var d nsData
	err := ns.Do(func() error {
		var err error
		if d.kernel, err = routes.ReadKernel(""); err != nil {
			return err
		}
		if d.devices, err = ifaces.ReadDevices(""); err != nil {
			return err
		}
		d.groups, err = ifaces.Groups("")
		return err
	})
	if err != nil {
		t.Fatalf("reading the namespace: %v", err)
	}
	return d
}

// TestNetToolsViews renders each view from data read inside a namespace
// the test builds and compares it with what net-tools' netstat prints of
// the same namespace, byte for byte; interface counters, which may move
// between the two reads, are compared as ranges (between a read before and
// one after netstat ran).
func TestNetToolsViews(t *testing.T) {
	netstatPath := testutil.NetToolsNetstat(t)
	ns := setupNetToolsNS(t)
	joinGroups(t, ns)
	cases := []struct {
		args []string
		view string
		o    Options
	}{
		{[]string{"-rn"}, "routes", Options{Numeric: true}},
		{[]string{"-rn6"}, "routes", Options{Numeric: true, Families: Family6}},
		{[]string{"-rn", "-4"}, "routes", Options{Numeric: true, Families: Family4}},
		{[]string{"-rn", "-4", "-6"}, "routes", Options{Numeric: true, Families: FamilyBoth}},
		{[]string{"-r"}, "routes", Options{}},
		{[]string{"-r6"}, "routes", Options{Families: Family6}},
		{[]string{"-i"}, "interfaces", Options{}},
		{[]string{"-ia"}, "interfaces", Options{All: true}},
		{[]string{"-ie"}, "interfaces", Options{Extended: true}},
		{[]string{"-iae"}, "interfaces", Options{Extended: true, All: true}},
		{[]string{"-g"}, "groups", Options{}},
		{[]string{"-gn"}, "groups", Options{Numeric: true}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			o := c.o
			o.Style = render.Linux
			if !o.Numeric {
				o.Names = ReadNames(nsEtc(ns))
			}
			var want []byte
			var lo, hi string
			// A namespace whose routes are still settling (an IPv6
			// link-local route added after the veth came up) changes
			// between the two reads: read again, a few times.
			for try := 0; try < 5; try++ {
				before := readNSData(t, ns)
				cmd := ns.Command(netstatPath, c.args...)
				cmd.Env = append(os.Environ(), "LC_ALL=C")
				var err error
				if want, err = cmd.Output(); err != nil {
					t.Fatalf("netstat %s: %v", strings.Join(c.args, " "), err)
				}
				after := readNSData(t, ns)
				lo, hi = renderView(t, c.view, before, o), renderView(t, c.view, after, o)
				if strings.Count(lo, "\n") == strings.Count(hi, "\n") {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			t.Logf("netstat %s:\n%s", strings.Join(c.args, " "), want)
			if d := diffRanged(string(want), lo, hi); d != "" {
				t.Errorf("netstat %s differs (- netstat, + ours):\n%s\nnetstat:\n%s\nours:\n%s", strings.Join(c.args, " "), d, want, lo)
			}
		})
	}
}

func renderView(t *testing.T, view string, d nsData, o Options) string {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch view {
	case "routes":
		err = WriteKernelRoutes(&b, d.kernel, o)
	case "interfaces":
		err = WriteDevices(&b, d.devices, o)
	case "groups":
		err = WriteGroups(&b, d.groups, o)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// diffRanged compares want with got line by line, where got is rendered
// from data read before (lo) and after (hi) want was made: a line must
// equal its lo or hi rendering, or have the same fields, each equal to
// lo's, or a number between lo's and hi's. It returns the lines that fail,
// "" when none does.
func diffRanged(want, lo, hi string) string {
	wl, ll, hl := lines(want), lines(lo), lines(hi)
	var d strings.Builder
	n := max(len(wl), len(ll))
	if len(ll) != len(hl) {
		return "the two reads of the namespace rendered different numbers of lines:\n" + lo + "\n" + hi
	}
	for i := 0; i < n; i++ {
		var w, l, h string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(ll) {
			l, h = ll[i], hl[i]
		}
		if i < len(wl) && i < len(ll) && (w == l || w == h || fieldsInRange(w, l, h)) {
			continue
		}
		d.WriteString("-" + strconv.Quote(w) + "\n+" + strconv.Quote(l) + "\n")
	}
	return d.String()
}

func lines(s string) []string { return strings.SplitAfter(s, "\n") }

func fieldsInRange(w, l, h string) bool {
	wf, lf, hf := strings.Fields(w), strings.Fields(l), strings.Fields(h)
	if len(wf) != len(lf) || len(lf) != len(hf) {
		return false
	}
	for i := range wf {
		if wf[i] == lf[i] {
			continue
		}
		// Counters, and ifconfig's scaled byte counts such as "(1.5".
		num := func(s string) (float64, error) { return strconv.ParseFloat(strings.Trim(s, "()"), 64) }
		wv, err1 := num(wf[i])
		lv, err2 := num(lf[i])
		hv, err3 := num(hf[i])
		if err1 != nil || err2 != nil || err3 != nil || wv < lv || wv > hv {
			return false
		}
	}
	return true
}
