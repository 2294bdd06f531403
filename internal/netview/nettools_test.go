package netview

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/ifaces"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/routes"
)

// TestKernelRoutesCaptured renders the route files of testdata/nettools
// and compares the result with what net-tools 2.10 printed of the same
// files at the same moment (internal/routes/testdata/README).
func TestKernelRoutesCaptured(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the captured /proc/net/route is little-endian")
	}
	krs, err := routes.ReadKernel(filepath.Join("testdata", "nettools"))
	if err != nil {
		t.Fatal(err)
	}
	for file, o := range map[string]Options{
		"rn":   {Numeric: true},
		"rn6":  {Numeric: true, Families: Family6},
		"r":    {},
		"r6":   {Families: Family6},
		"rn46": {Numeric: true, Families: FamilyBoth},
	} {
		want, err := os.ReadFile(filepath.Join("testdata", "nettools", file+".netstat"))
		if err != nil {
			t.Fatal(err)
		}
		o.Style = render.Linux
		var b bytes.Buffer
		if err := WriteKernelRoutes(&b, krs, o); err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("%s: got\n%s\nwant (net-tools)\n%s", file, b.String(), want)
		}
	}
}

func TestKernelFlags(t *testing.T) {
	for _, c := range []struct {
		f      uint32
		v4, v6 string
	}{
		{routes.RTFUp, "U", "U"},
		{routes.RTFUp | routes.RTFGateway | routes.RTFHost, "UGH", "UGH"},
		{routes.RTFUp | routes.RTFGateway | routes.RTFReject | routes.RTFHost, "!H", "U!GH"},
		{routes.RTFUp | routes.RTFDynamic | routes.RTFModified | routes.RTFReinstate, "URDM", "Um"},
		{routes.RTFUp | routes.RTFGateway | routes.RTFDefault | routes.RTFAddrConf | routes.RTFExpires, "UGdce", "UGDAe"},
		{routes.RTFReject | routes.RTFNoNextHop, "!o", "!n"},
		{routes.RTFUp | routes.RTFCache | routes.RTFLocal | routes.RTFMTU | routes.RTFWindow | routes.RTFIRTT, "Ucluwi", "UC"},
		{routes.RTFUp | routes.RTFAllOnLink | routes.RTFFlow | routes.RTFPolicy, "Uafp", "Uaf"},
	} {
		if got := kernelFlags4(c.f); got != c.v4 {
			t.Errorf("kernelFlags4(%#x) = %q, want %q", c.f, got, c.v4)
		}
		if got := kernelFlags6(c.f); got != c.v6 {
			t.Errorf("kernelFlags6(%#x) = %q, want %q", c.f, got, c.v6)
		}
	}
}

func TestNtop6(t *testing.T) {
	for in, want := range map[string]string{
		"::":                        "::",
		"::1":                       "::1",
		"::2":                       "::2",
		"::1.2.3.4":                 "::1.2.3.4", // glibc keeps the IPv4-compatible form
		"::ffff:1.2.3.4":            "::ffff:1.2.3.4",
		"2001:db8::1":               "2001:db8::1",
		"2001:db8:0:1::":            "2001:db8:0:1::",
		"::1:0:0:0":                 "::1:0:0:0",
		"fe80::4070:51ff:fe14:fc5d": "fe80::4070:51ff:fe14:fc5d",
	} {
		if got := ntop6(netip.MustParseAddr(in)); got != want {
			t.Errorf("ntop6(%s) = %q, want %q", in, got, want)
		}
	}
}

// TestKernelRoutesSkipped checks the lines net-tools leaves out: IPv4
// routes that are not up, IPv6 cached routes; and the families shown.
func TestKernelRoutesSkipped(t *testing.T) {
	krs := []routes.KernelRoute{
		{Family: 4, Iface: "eth0", Dst: netip.MustParsePrefix("10.0.0.0/8"), Gateway: netip.IPv4Unspecified()},
		{Family: 6, Iface: "eth0", Dst: netip.MustParsePrefix("2001:db8::1/128"), Gateway: netip.IPv6Unspecified(), Flags: routes.RTFUp | routes.RTFCache},
	}
	var b bytes.Buffer
	if err := WriteKernelRoutes(&b, krs, Options{Style: render.Linux, Families: FamilyBoth}); err != nil {
		t.Fatal(err)
	}
	if want := "Kernel IP routing table\n" + routeHead4 + "Kernel IPv6 routing table\n" + routeHead6; b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestWriteDevices covers what the namespace test cannot build: no flags
// at all, an address label without statistics, point-to-point, unknown
// hardware types, an I/O map, and the byte units.
func TestWriteDevices(t *testing.T) {
	st := &ifaces.Interface{Name: "ppp0", RxPackets: 12, RxBytes: 1536, TxPackets: 3, TxBytes: 5 << 30,
		RxErrors: 1, RxDropped: 2, RxFIFO: 3, RxFrame: 4, TxErrors: 5, TxDropped: 6, TxFIFO: 7, TxCarrier: 8, TxCollisions: 9}
	tab := &ifaces.DeviceTable{Devices: []ifaces.Device{
		{Name: "eth0:1", Flags: ifaces.FlagUp | ifaces.FlagBroadcast | ifaces.FlagRunning | ifaces.FlagMulticast, MTU: 1500,
			HWType: ifaces.ARPHRDEther, HWAddr: [8]byte{2, 0, 0, 0, 0, 1}, TxQueueLen: 1000, HasIPv4: true,
			Addr: netip.MustParseAddr("192.0.2.2"), Netmask: netip.MustParseAddr("255.255.255.0"),
			Broadcast: netip.MustParseAddr("192.0.2.255"), Dest: netip.IPv4Unspecified()},
		{Name: "none0", MTU: 0, HWType: 0xfffe, TxQueueLen: ifaces.TxQueueLenUnset},
		{Name: "ppp0", Stats: st, Flags: ifaces.FlagUp | ifaces.FlagPointToPt | ifaces.FlagRunning | ifaces.FlagNoARP | ifaces.FlagMulticast,
			MTU: 1492, HWType: ifaces.ARPHRDPPP, TxQueueLen: 3, HasIPv4: true, Addr: netip.MustParseAddr("10.0.0.1"),
			Netmask: netip.MustParseAddr("255.255.255.255"), Broadcast: netip.IPv4Unspecified(), Dest: netip.MustParseAddr("10.0.0.2"),
			Map: ifaces.IfMap{IRQ: 17, BaseAddr: 0x300, MemStart: 0xfe000000, MemEnd: 0xfe0fffff, DMA: 3}},
	}, Inet6: []ifaces.Inet6Addr{
		{Addr: netip.MustParseAddr("::10.0.0.1"), PrefixLen: 96, Scope: 0x80, Device: "ppp0"},
		{Addr: netip.MustParseAddr("fec0::1"), PrefixLen: 64, Scope: 0x40, Device: "ppp0"},
		{Addr: netip.MustParseAddr("fe80::1"), PrefixLen: 64, Scope: 0x20, Device: "eth0"},
	}}
	var b bytes.Buffer
	if err := WriteDevices(&b, tab, Options{Style: render.Linux, All: true}); err != nil {
		t.Fatal(err)
	}
	want := "Kernel Interface table\n" +
		"Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n" +
		"eth0:1           1500      - no statistics available -                        BMRU\n" +
		"none0               0      - no statistics available -                        [NO FLAGS]\n" +
		"ppp0             1492       12      1      2 3             3      5      6      7 MOPRU\n"
	if b.String() != want {
		t.Errorf("-ia: got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := WriteDevices(&b, tab, Options{Style: render.Linux, Extended: true}); err != nil {
		t.Fatal(err)
	}
	want = "Kernel Interface table\n" +
		"eth0:1: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500\n" +
		"        inet 192.0.2.2  netmask 255.255.255.0  broadcast 192.0.2.255\n" +
		"        ether 02:00:00:00:00:01  txqueuelen 1000  (Ethernet)\n" +
		"\n" +
		"ppp0: flags=4305<UP,POINTOPOINT,RUNNING,NOARP,MULTICAST>  mtu 1492\n" +
		"        inet 10.0.0.1  netmask 255.255.255.255  destination 10.0.0.2\n" +
		"        inet6 ::10.0.0.1  prefixlen 96  scopeid 0x80<compat,global>\n" +
		"        inet6 fec0::1  prefixlen 64  scopeid 0x40<site>\n" +
		"        ppp  txqueuelen 3  (Point-to-Point Protocol)\n" +
		"        RX packets 12  bytes 1536 (1.5 KiB)\n" +
		"        RX errors 1  dropped 2  overruns 3  frame 4\n" +
		"        TX packets 3  bytes 5368709120 (5.0 GiB)\n" +
		"        TX errors 5  dropped 6 overruns 7  carrier 8  collisions 9\n" +
		"        device interrupt 17  base 0x300  memory 0xfe000000-fe0fffff    dma 0x3\n" +
		"\n"
	if b.String() != want {
		t.Errorf("-ie: got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := WriteDevices(&b, &ifaces.DeviceTable{Devices: tab.Devices[1:2]}, Options{Extended: true, All: true}); err != nil {
		t.Fatal(err)
	}
	want = "Kernel Interface table\n" +
		"none0: flags=0<  mtu 0\n" +
		"        unspec 00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00  (UNSPEC)\n" +
		"\n"
	if b.String() != want {
		t.Errorf("-iae without flags: got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestScaled(t *testing.T) {
	for v, want := range map[uint64]string{
		0: "0.0 B", 1024: "1024.0 B", 1025: "1.0 KiB", 1 << 20: "1024.0 KiB", 3 << 40: "3.0 TiB",
		1<<50 + 1: "1.0 PiB", 1<<64 - 1: "16384.0 PiB",
	} {
		if got := scaled(v); got != want {
			t.Errorf("scaled(%d) = %q, want %q", v, got, want)
		}
	}
}

func TestNetToolsText(t *testing.T) {
	if !NetToolsText(Options{Style: render.Linux}) || NetToolsText(Options{Style: render.Linux, Format: render.JSON}) ||
		NetToolsText(Options{}) || NetToolsText(Options{Style: render.Windows}) {
		t.Error("NetToolsText")
	}
	if strings.Contains(routeHead6, "Ref Use") {
		t.Error("header")
	}
}

// TestLinuxFlags6Loopback checks the netlink approximation of -r6: a
// unicast route through lo (other than to ::1) is a reject route in the
// kernel, printed "!n" as net-tools prints it, not "U".
func TestLinuxFlags6Loopback(t *testing.T) {
	rs := []routes.Route{
		{Family: 6, Dst: netip.MustParsePrefix("2001:db8:77::1/128"), IfName: "lo", Type: routes.TypeUnicast, Metric: 1024, Table: routes.TableMain},
		{Family: 6, Dst: netip.MustParsePrefix("::1/128"), IfName: "lo", Type: routes.TypeUnicast, Metric: 256, Table: routes.TableMain},
	}
	var b bytes.Buffer
	if err := WriteRoutes(&b, rs, Options{Style: render.Linux, Numeric: true, Families: Family6}); err != nil {
		t.Fatal(err)
	}
	want := "Kernel IPv6 routing table\n" + routeHead6 +
		"2001:db8:77::1/128             ::                         !n   1024 0      0 lo\n" +
		"::1/128                        ::                         U    256 0      0 lo\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestParseNames(t *testing.T) {
	n := ParseNames(strings.NewReader(`# hosts
192.0.2.1 gw alias # comment
192.0.2.1 second
::1 localhost ip6-localhost
fe80::1%eth0 zoned
bogus name
10.0.0.9
`), strings.NewReader(`default 0.0.0.0
short 10.21
octal 012.0.0.0
hex 0x0b.1
five 1.2.3.4.5
big 300.1
first 10.21.0.0
`))
	for a, want := range map[string]string{"192.0.2.1": "gw", "::1": "localhost"} {
		if got, ok := n.host(netip.MustParseAddr(a)); !ok || got != want {
			t.Errorf("host(%s) = %q, %v; want %q", a, got, ok, want)
		}
	}
	for _, a := range []string{"fe80::1", "10.0.0.9", "192.0.2.2"} {
		if got, ok := n.host(netip.MustParseAddr(a)); ok {
			t.Errorf("host(%s) = %q, want none", a, got)
		}
	}
	for a, want := range map[string]string{"10.21.0.0": "short", "10.0.0.0": "octal", "11.1.0.0": "hex", "0.0.0.0": "default"} {
		if got, ok := n.network(netip.MustParseAddr(a)); !ok || got != want {
			t.Errorf("network(%s) = %q, %v; want %q", a, got, ok, want)
		}
	}
	if got, ok := n.network(netip.MustParseAddr("1.2.3.4")); ok {
		t.Errorf("network(1.2.3.4) = %q from a five-part number", got)
	}
	var none *Names
	if _, ok := none.host(netip.MustParseAddr("::1")); ok {
		t.Error("nil Names named an address")
	}
	if n := ReadNames(t.TempDir()); len(n.hosts)+len(n.nets) != 0 {
		t.Errorf("names from an empty directory: %+v", n)
	}
}

// TestNamesInLayouts checks where names apply: IPv4 destinations (host
// or network by the route), gateways, IPv6 addresses and groups, never
// with Numeric, and cut to the 15 columns of the IPv4 table.
func TestNamesInLayouts(t *testing.T) {
	names := ParseNames(strings.NewReader("192.0.2.1 a-gateway-name-longer-than-15\n10.1.0.0 not-a-network\n::1 localhost\nff02::1 ip6-allnodes\n"),
		strings.NewReader("tennet 10.1\n"))
	krs := []routes.KernelRoute{
		{Family: 4, Iface: "eth0", Dst: netip.MustParsePrefix("10.1.0.0/16"), Gateway: netip.MustParseAddr("192.0.2.1"), Flags: routes.RTFUp | routes.RTFGateway},
		{Family: 6, Iface: "lo", Dst: netip.MustParsePrefix("::1/128"), Gateway: netip.IPv6Unspecified(), Flags: routes.RTFUp},
	}
	var b bytes.Buffer
	if err := WriteKernelRoutes(&b, krs, Options{Style: render.Linux, Families: FamilyBoth, Names: names}); err != nil {
		t.Fatal(err)
	}
	want := "Kernel IP routing table\n" + routeHead4 +
		"tennet          a-gateway-name- 255.255.0.0     UG        0 0          0 eth0\n" +
		"Kernel IPv6 routing table\n" + routeHead6 +
		"localhost/128                  [::]                       U    0   0      0 lo\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	gs := []ifaces.Membership{{Device: "lo", Group: netip.MustParseAddr("ff02::1"), Users: 1}}
	if err := WriteGroups(&b, gs, Options{Style: render.Linux, Names: names, Numeric: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.String(), "lo              1      ff02::1\n") {
		t.Errorf("numeric groups:\n%s", b.String())
	}
}

func FuzzParseNames(f *testing.F) {
	f.Add("127.0.0.1 localhost\n::1 localhost # x\n", "loopback 127\nx 0x7f.0.0.1\n")
	f.Fuzz(func(t *testing.T, hosts, networks string) {
		n := ParseNames(strings.NewReader(hosts), strings.NewReader(networks))
		for a, name := range n.hosts {
			if !a.IsValid() || a.Zone() != "" || name == "" || strings.ContainsAny(name, " \t#") {
				t.Errorf("host %v %q", a, name)
			}
		}
		for _, name := range n.nets {
			if name == "" || strings.ContainsAny(name, " \t#") {
				t.Errorf("network %q", name)
			}
		}
	})
}
