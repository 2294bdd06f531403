package routes

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

// procfsWant4 is testdata/procfs/route, captured on little-endian x86-64
// in a namespace with a default gateway, a /32 host route, blackhole,
// prohibit and unreachable routes (testdata/README).
var procfsWant4 = []KernelRoute{
	{Family: 4, Iface: "veth-a", Dst: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr("192.0.2.1"), Flags: RTFUp | RTFGateway, Metric: 100},
	{Family: 4, Iface: "veth-a", Dst: netip.MustParsePrefix("10.30.0.1/32"), Gateway: netip.IPv4Unspecified(), Flags: RTFUp | RTFHost},
	{Family: 4, Iface: "*", Dst: netip.MustParsePrefix("10.97.0.0/16"), Gateway: netip.IPv4Unspecified(), Flags: RTFUp},
	{Family: 4, Iface: "*", Dst: netip.MustParsePrefix("10.98.1.1/32"), Gateway: netip.IPv4Unspecified(), Flags: RTFUp | RTFHost | RTFReject},
	{Family: 4, Iface: "*", Dst: netip.MustParsePrefix("10.99.0.0/16"), Gateway: netip.IPv4Unspecified(), Flags: RTFUp | RTFReject},
	{Family: 4, Iface: "veth-a", Dst: netip.MustParsePrefix("192.0.2.0/24"), Gateway: netip.IPv4Unspecified(), Flags: RTFUp},
}

func TestParseProcRoute(t *testing.T) {
	f, err := os.Open("testdata/procfs/route")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := parseProcRoute(f, binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, procfsWant4) {
		t.Errorf("got\n%+v\nwant\n%+v", got, procfsWant4)
	}
}

func TestParseIPv6Route(t *testing.T) {
	f, err := os.Open("testdata/procfs/ipv6_route")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParseIPv6Route(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 12 {
		t.Fatalf("%d routes, want 12: %+v", len(got), got)
	}
	unspec := netip.IPv6Unspecified()
	checks := map[int]KernelRoute{
		// a /128 via lo: the kernel makes it a reject route
		1: {Family: 6, Iface: "lo", Dst: netip.MustParsePrefix("2001:db8:77::1/128"), Gateway: unspec, Flags: RTFReject | RTFNoNextHop, Metric: 1024, RefCnt: 1},
		5: {Family: 6, Iface: "veth-a", Dst: netip.MustParsePrefix("::/0"), Gateway: netip.MustParseAddr("2001:db8:1::1"), Flags: RTFUp | RTFGateway, Metric: 1024, RefCnt: 1},
		6: {Family: 6, Iface: "lo", Dst: netip.MustParsePrefix("::1/128"), Gateway: unspec, Flags: RTFUp | RTFNoNextHop | RTFLocal, RefCnt: 3},
		// the null entry netlink never shows
		11: {Family: 6, Iface: "lo", Dst: netip.MustParsePrefix("::/0"), Gateway: unspec, Flags: RTFReject | RTFNoNextHop, Metric: 0xffffffff, RefCnt: 1},
	}
	for i, want := range checks {
		if got[i] != want {
			t.Errorf("route %d: got %+v, want %+v", i, got[i], want)
		}
	}
}

func TestReadKernel(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the fixture's /proc/net/route is little-endian")
	}
	got, err := ReadKernel("testdata/procfs")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(procfsWant4)+12 || got[0].Family != 4 || got[len(got)-1].Family != 6 {
		t.Errorf("got %d routes: %+v", len(got), got)
	}
	dir := t.TempDir()
	if _, err := ReadKernel(dir); !errors.Is(err, ErrMissing) {
		t.Errorf("ReadKernel of an empty directory: %v, want ErrMissing", err)
	}
	b, _ := os.ReadFile("testdata/procfs/route")
	if err := os.WriteFile(filepath.Join(dir, "route"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadKernel(dir); err != nil || len(got) != len(procfsWant4) {
		t.Errorf("ReadKernel without ipv6_route: %d routes, %v", len(got), err)
	}
}

func TestParseProcRouteErrors(t *testing.T) {
	const head = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	for _, line := range []string{
		"eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\n",              // 10 fields
		"eth0\t0000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n",            // 7 digits
		"eth0\t0000000G\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n",           // not hex
		"eth0\t00000000\t010200C0\t00x3\t0\t0\t0\t00000000\t0\t0\t0\n",           // flags
		"eth0\t00000000\t010200C0\t0003\tx\t0\t0\t00000000\t0\t0\t0\n",           // refcnt
		"eth0\t00000000\t010200C0\t0003\t0\t0\t99999999999\t00000000\t0\t0\t0\n", // metric too large
	} {
		_, err := ParseProcRoute(strings.NewReader(head + line))
		if !errors.Is(err, errs.ErrMalformed) || !strings.Contains(err.Error(), "/proc/net/route line") {
			t.Errorf("%q: %v, want a quoting errs.ErrMalformed", line, err)
		}
	}
}

func TestParseIPv6RouteErrors(t *testing.T) {
	const z = "00000000000000000000000000000000"
	for _, line := range []string{
		z + " 00 " + z + " 00 " + z + " 00000000 00000001 00000000 00000001\n",        // 9 fields
		z + " 81 " + z + " 00 " + z + " 00000000 00000001 00000000 00000001 lo\n",     // /129
		z[1:] + " 00 " + z + " 00 " + z + " 00000000 00000001 00000000 00000001 lo\n", // 31 digits
		z + " 00 " + z + " 00 " + z + " 00000000 0000000x 00000000 00000001 lo\n",     // refcnt
		z + " 00 " + z + " 00 " + z + " 00000000 00000001 00000000 100000001 lo\n",    // flags above 32 bits
		"g" + z[1:] + " 00 " + z + " 00 " + z + " 00000000 00000001 00000000 00000001 lo\n",
	} {
		_, err := ParseIPv6Route(strings.NewReader(line))
		if !errors.Is(err, errs.ErrMalformed) || !strings.Contains(err.Error(), "/proc/net/ipv6_route line") {
			t.Errorf("%q: %v, want a quoting errs.ErrMalformed", line, err)
		}
	}
}

// FuzzParseProcRoutes feeds both route-file parsers the same text: neither
// may panic, and what they return must be well-formed.
func FuzzParseProcRoutes(f *testing.F) {
	for _, name := range []string{"testdata/procfs/route", "testdata/procfs/ipv6_route"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("Iface\nx 00000000 00000000 1 -1 4294967295 1 FFFFFFFF 0 0 0\n")
	f.Fuzz(func(t *testing.T, s string) {
		if rs, err := ParseProcRoute(strings.NewReader(s)); err == nil {
			for _, r := range rs {
				if r.Family != 4 || !r.Dst.IsValid() || !r.Dst.Addr().Is4() || !r.Gateway.Is4() || r.Iface == "" {
					t.Errorf("IPv4 route %+v", r)
				}
			}
		}
		if rs, err := ParseIPv6Route(strings.NewReader(s)); err == nil {
			for _, r := range rs {
				if r.Family != 6 || !r.Dst.IsValid() || !r.Dst.Addr().Is6() || !r.Gateway.Is6() || r.Iface == "" {
					t.Errorf("IPv6 route %+v", r)
				}
			}
		}
	})
}
