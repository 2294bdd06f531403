package netview

import (
	"bytes"
	"flag"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/testutil/golden"

	"github.com/sockscope/sockscope/internal/ifaces"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/routes"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// fixtureRoutes decodes the dumps of internal/routes/testdata and names
// the interfaces as that README says (lo 1, v1 2, v0 3).
func fixtureRoutes(t *testing.T) []routes.Route {
	t.Helper()
	names := map[int]string{1: "lo", 2: "v1", 3: "v0"}
	var all []routes.Route
	for _, f := range []string{"route4.bin", "route6.bin"} {
		b, err := os.ReadFile(filepath.Join("..", "routes", "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		rs, done, err := routes.DecodeDump(b, nil)
		if err != nil || !done {
			t.Fatalf("%s: done %v, %v", f, done, err)
		}
		for i := range rs {
			rs[i].IfName = names[rs[i].OIF]
			for j := range rs[i].Nexthops {
				rs[i].Nexthops[j].IfName = names[rs[i].Nexthops[j].OIF]
			}
		}
		all = append(all, rs...)
	}
	return all
}

// fixtureIfaces parses internal/ifaces/testdata/netns/dev, with the
// counters of veth-cap0 raised to show the Ethernet derivations.
func fixtureIfaces(t *testing.T) []ifaces.Interface {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "ifaces", "testdata", "netns", "dev"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ifs, err := ifaces.ParseDev(f)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ifs {
		if ifs[i].Name == "veth-cap0" {
			ifs[i].RxPackets, ifs[i].RxMulticast, ifs[i].RxDropped, ifs[i].RxErrors, ifs[i].RxFIFO = 3163201, 238990, 7, 2, 1
			ifs[i].RxBytes, ifs[i].TxBytes, ifs[i].TxPackets, ifs[i].TxDropped, ifs[i].TxErrors = 3995837940, 47224497, 2036500, 3, 4
		}
	}
	return ifs
}

var fixtureInfo = map[string]IfaceInfo{
	"lo":              {65536, net.FlagUp | net.FlagLoopback | net.FlagRunning},
	"sockscope-long1": {1500, net.FlagUp | net.FlagBroadcast | net.FlagMulticast | net.FlagRunning},
	// veth-cap0 missing: MTU and flags unknown
}

// fixtureGroups are the memberships of internal/ifaces/testdata/netns,
// spelled out so that the test does not depend on the host's byte order.
func fixtureGroups() []ifaces.Membership {
	m := func(idx int, dev, group string, users int) ifaces.Membership {
		return ifaces.Membership{Ifindex: idx, Device: dev, Group: netip.MustParseAddr(group), Users: users}
	}
	return []ifaces.Membership{
		m(1, "lo", "224.0.0.1", 1),
		m(2, "sockscope-long1", "224.0.0.251", 1),
		m(2, "sockscope-long1", "224.0.0.1", 1),
		m(3, "veth-cap0", "239.1.2.3", 2),
		m(3, "veth-cap0", "224.0.0.1", 1),
		m(1, "lo", "ff02::1", 1),
		m(1, "lo", "ff01::1", 1),
		m(2, "sockscope-long1", "ff02::1:ff00:abcd", 1),
		m(2, "sockscope-long1", "ff15::abcd", 1),
		m(3, "veth-cap0", "ff05::1:3", 1),
		m(3, "veth-cap0", "ff02::1", 1),
	}
}

// variants are the layouts each view is rendered in.
var variants = []struct {
	name string
	o    Options
}{
	{"modern", Options{Numeric: true}},
	{"modern-zh", Options{Lang: "zh-CN", Numeric: true}},
	{"modern-names", Options{}},
	{"linux", Options{Style: render.Linux, Numeric: true}},
	{"linux-names", Options{Style: render.Linux}},
	{"windows", Options{Style: render.Windows, Numeric: true}},
	{"windows-zh", Options{Style: render.Windows, Lang: "zh_CN.UTF-8", Numeric: true}},
	{"linux-4", Options{Style: render.Linux, Families: 4, Numeric: true}},
	{"linux-6", Options{Style: render.Linux, Families: Family6, Numeric: true}},
	{"linux-both", Options{Style: render.Linux, Families: FamilyBoth, Numeric: true}},
	{"modern-6", Options{Families: 6, Numeric: true}},
	{"json", Options{Format: render.JSON}},
	{"ndjson", Options{Format: render.NDJSON}},
	{"csv", Options{Format: render.CSV}},
}

func TestGolden(t *testing.T) {
	rs, ifs, gs := fixtureRoutes(t), fixtureIfaces(t), fixtureGroups()
	views := []struct {
		name  string
		write func(*bytes.Buffer, Options) error
	}{
		{"routes", func(b *bytes.Buffer, o Options) error { return WriteRoutes(b, rs, o) }},
		{"interfaces", func(b *bytes.Buffer, o Options) error { return WriteInterfaces(b, ifs, fixtureInfo, o) }},
		{"ethernet", func(b *bytes.Buffer, o Options) error { return WriteEthernet(b, ifs, o) }},
		{"groups", func(b *bytes.Buffer, o Options) error { return WriteGroups(b, gs, o) }},
	}
	for _, v := range views {
		for _, va := range variants {
			name := v.name + "-" + va.name
			t.Run(name, func(t *testing.T) {
				var b bytes.Buffer
				if err := v.write(&b, va.o); err != nil {
					t.Fatal(err)
				}
				checkGolden(t, name, b.Bytes())
			})
		}
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got, *update)
}

func TestEthernetDerivation(t *testing.T) {
	rx, tx := Ethernet([]ifaces.Interface{
		{Name: "lo", RxBytes: 100, RxPackets: 10, TxBytes: 100, TxPackets: 10},
		{Name: "eth0", RxBytes: 1000, RxPackets: 20, RxMulticast: 5, RxDropped: 1, RxErrors: 2, TxBytes: 500, TxPackets: 9, TxDropped: 3, TxErrors: 4},
		{Name: "eth1", RxPackets: 1, RxMulticast: 3}, // multicast above packets: unicast clamps at 0
	})
	if want := (EthernetStats{Bytes: 1000, Unicast: 15, NonUnicast: 8, Discards: 1, Errors: 2}); rx != want {
		t.Errorf("received %+v, want %+v", rx, want)
	}
	if want := (EthernetStats{Bytes: 500, Unicast: 9, Discards: 3, Errors: 4}); tx != want {
		t.Errorf("sent %+v, want %+v", tx, want)
	}
}

// TestEthernetWindowsColumns checks the layout against Windows' own:
// values end in the columns where "Received" and "Sent" end.
func TestEthernetWindowsColumns(t *testing.T) {
	var b bytes.Buffer
	var ifs []ifaces.Interface
	for _, f := range fixtureIfaces(t) {
		if f.Name != "sockscope-long1" {
			ifs = append(ifs, f)
		}
	}
	if err := WriteEthernet(&b, ifs, Options{Style: render.Windows}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if lines[2] != "                           Received            Sent" {
		t.Errorf("header %q", lines[2])
	}
	if lines[4] != "Bytes                    3995837940        47224497" {
		t.Errorf("bytes line %q", lines[4])
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestWriteError(t *testing.T) {
	o := Options{}
	for name, err := range map[string]error{
		"routes":     WriteRoutes(failWriter{}, fixtureRoutes(t), o),
		"interfaces": WriteInterfaces(failWriter{}, fixtureIfaces(t), nil, o),
		"ethernet":   WriteEthernet(failWriter{}, nil, o),
		"groups":     WriteGroups(failWriter{}, fixtureGroups(), o),
	} {
		if err == nil {
			t.Errorf("%s: no error writing to a failing writer", name)
		}
	}
}
