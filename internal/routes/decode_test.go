package routes

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/netlink"
)

// fixtureNames are the interface indexes of the capture namespace (see
// testdata/README): the veth peer v1 was created first.
var fixtureNames = map[int]string{1: "lo", 2: "v1", 3: "v0"}

func readFixture(t *testing.T, family int) []Route {
	t.Helper()
	name := map[int]string{4: "testdata/route4.bin", 6: "testdata/route6.bin"}[family]
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	rs, done, err := DecodeDump(b, nil)
	if err != nil || !done {
		t.Fatalf("DecodeDump(%s) = %d routes, done %v, error %v; want done, no error", name, len(rs), done, err)
	}
	for i := range rs {
		rs[i].IfName = fixtureNames[rs[i].OIF]
		for j := range rs[i].Nexthops {
			rs[i].Nexthops[j].IfName = fixtureNames[rs[i].Nexthops[j].OIF]
		}
	}
	return rs
}

// TestDecodeFixturesMatchIP checks the decoded fixtures against what
// iproute2 printed for the same namespace at capture time.
func TestDecodeFixturesMatchIP(t *testing.T) {
	for _, fam := range []int{4, 6} {
		js, err := os.ReadFile(map[int]string{4: "testdata/route4.json", 6: "testdata/route6.json"}[fam])
		if err != nil {
			t.Fatal(err)
		}
		want, err := parseIPRoutes(js, fam)
		if err != nil {
			t.Fatal(err)
		}
		if d := diffRoutes(readFixture(t, fam), want); len(d) > 0 {
			t.Errorf("IPv%d: decoded (-) and ip route (+) differ:\n%s", fam, strings.Join(d, "\n"))
		}
	}
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

// TestDecodeFixturesExact spells out the routes the fixture namespace was
// built with (nsSetup), field by field.
func TestDecodeFixturesExact(t *testing.T) {
	v4, v6 := readFixture(t, 4), readFixture(t, 6)
	if len(v4) != 11 || len(v6) != 9 {
		t.Fatalf("got %d IPv4 and %d IPv6 routes, want 11 and 9", len(v4), len(v6))
	}
	want := map[int]Route{
		0: {Family: 4, Dst: pfx("192.0.2.128/25"), OIF: 3, IfName: "v0", Table: 7, Protocol: 3,
			Scope: ScopeLink, Type: TypeUnicast, PrefSrc: addr("192.0.2.10")},
		1: {Family: 4, Dst: pfx("198.51.100.0/24"), Gateway: addr("192.0.2.254"), OIF: 3, IfName: "v0",
			Metric: 50, Table: 1000, Protocol: 4, Type: TypeUnicast},
		2: {Family: 4, Dst: pfx("0.0.0.0/0"), Gateway: addr("192.0.2.1"), OIF: 3, IfName: "v0",
			Metric: 100, Table: TableMain, Protocol: 3, Type: TypeUnicast},
		3: {Family: 4, Dst: pfx("100.64.0.0/16"), Gateway: addr("fe80::1"), OIF: 3, IfName: "v0",
			Table: TableMain, Protocol: 3, Type: TypeUnicast},
		5: {Family: 4, Dst: pfx("203.0.113.0/24"), Table: TableMain, Protocol: 3, Type: TypeUnicast,
			Nexthops: []Nexthop{
				{Gateway: addr("192.0.2.2"), OIF: 3, IfName: "v0", Weight: 1},
				{Gateway: addr("192.0.2.3"), OIF: 3, IfName: "v0", Weight: 3},
			}},
		10: {Family: 4, Dst: pfx("192.0.2.255/32"), OIF: 3, IfName: "v0", Table: TableLocal, Protocol: 2,
			Scope: ScopeLink, Type: TypeBroadcast, PrefSrc: addr("192.0.2.10")},
		11 + 1: {Family: 6, Dst: pfx("2001:db8:2::/48"), Gateway: addr("2001:db8:1::1"), OIF: 3, IfName: "v0",
			Metric: 1024, Table: TableMain, Protocol: 3, Type: TypeUnicast},
		11 + 4: {Family: 6, Dst: pfx("::/0"), Gateway: addr("2001:db8:1::1"), OIF: 3, IfName: "v0",
			Metric: 1024, Table: TableMain, Protocol: 3, Type: TypeUnicast},
		11 + 8: {Family: 6, Dst: pfx("ff00::/8"), OIF: 3, IfName: "v0", Metric: 256, Table: TableLocal,
			Protocol: 2, Type: TypeMulticast},
	}
	all := append(v4, v6...)
	for i, w := range want {
		if !reflect.DeepEqual(all[i], w) {
			t.Errorf("route %d:\n got %+v\nwant %+v", i, all[i], w)
		}
	}
}

// Builders of synthetic messages.

var hostEndian = binary.NativeEndian

func attr(typ uint16, data ...byte) []byte {
	b := hostEndian.AppendUint16(nil, uint16(netlink.AttrHeaderLen+len(data)))
	b = hostEndian.AppendUint16(b, typ)
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func u32(v uint32) []byte { return hostEndian.AppendUint32(nil, v) }

func rtmsg(family, dstLen byte, attrs ...[]byte) []byte {
	b := []byte{family, dstLen, 0, 0, TableMain, 3, 0, TypeUnicast, 0, 0, 0, 0}
	for _, a := range attrs {
		b = append(b, a...)
	}
	return b
}

func nlmsg(typ uint16, payload []byte) []byte {
	b := hostEndian.AppendUint32(nil, uint32(netlink.HeaderLen+len(payload)))
	b = hostEndian.AppendUint16(b, typ)
	b = hostEndian.AppendUint16(b, 2) // NLM_F_MULTI
	b = hostEndian.AppendUint32(b, 7)
	b = hostEndian.AppendUint32(b, 99)
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func rtnexthop(flags, hops byte, ifindex uint32, attrs ...[]byte) []byte {
	var rest []byte
	for _, a := range attrs {
		rest = append(rest, a...)
	}
	b := hostEndian.AppendUint16(nil, uint16(rtnexthopLen+len(rest)))
	b = append(b, flags, hops)
	b = hostEndian.AppendUint32(b, ifindex)
	return append(b, rest...)
}

func TestDecodeRouteSynthetic(t *testing.T) {
	b := rtmsg(afInet6, 64,
		attr(rtaDst, addr("2001:db8::").AsSlice()...),
		attr(rtaTable, u32(100000)...),
		attr(rtaPriority, u32(7)...),
		attr(99, 1, 2, 3), // unknown: skipped
		attr(rtaMultipath, append(
			rtnexthop(1, 0, 4, attr(rtaVia, append([]byte{afInet, 0}, 10, 0, 0, 1)...)),
			rtnexthop(0, 9, 5, attr(rtaGateway, addr("fe80::2").AsSlice()...))...)...),
	)
	got, err := DecodeRoute(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Route{Family: 6, Dst: pfx("2001:db8::/64"), Table: 100000, Metric: 7, Protocol: 3, Type: TypeUnicast,
		Nexthops: []Nexthop{{Gateway: addr("10.0.0.1"), OIF: 4, Weight: 1, Flags: 1}, {Gateway: addr("fe80::2"), OIF: 5, Weight: 10}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestDecodeRouteErrors(t *testing.T) {
	for name, b := range map[string][]byte{
		"short rtmsg":          rtmsg(afInet, 0)[:11],
		"unknown family":       rtmsg(7, 0),
		"prefix too long":      rtmsg(afInet, 33),
		"RTA_DST of 16 bytes":  rtmsg(afInet, 8, attr(rtaDst, make([]byte, 16)...)),
		"RTA_OIF of 2 bytes":   rtmsg(afInet, 0, attr(rtaOIF, 1, 0)),
		"RTA_OIF negative":     rtmsg(afInet, 0, attr(rtaOIF, u32(1<<31)...)),
		"RTA_TABLE of 8 bytes": rtmsg(afInet, 0, attr(rtaTable, make([]byte, 8)...)),
		"attribute past end":   append(rtmsg(afInet, 0), 40, 0, 1, 0),
		"attribute below hdr":  append(rtmsg(afInet, 0), 2, 0, 1, 0),
		"trailing bytes":       append(rtmsg(afInet, 0), 0, 0),
		"RTA_VIA short":        rtmsg(afInet, 0, attr(rtaVia, afInet)),
		"RTA_VIA bad family":   rtmsg(afInet, 0, attr(rtaVia, 1, 0, 1, 2, 3, 4)),
		"rtnh_len past end":    rtmsg(afInet, 0, attr(rtaMultipath, 200, 0, 0, 0, 1, 0, 0, 0)),
		"rtnh_len below hdr":   rtmsg(afInet, 0, attr(rtaMultipath, 4, 0, 0, 0, 1, 0, 0, 0)),
		"rtnexthop truncated":  rtmsg(afInet, 0, attr(rtaMultipath, 8, 0, 0, 0)),
		"nexthop bad gateway":  rtmsg(afInet, 0, attr(rtaMultipath, rtnexthop(0, 0, 1, attr(rtaGateway, 1, 2))...)),
	} {
		if _, err := DecodeRoute(b); !errors.Is(err, errs.ErrMalformed) {
			t.Errorf("%s: error %v, want one wrapping errs.ErrMalformed", name, err)
		}
	}
}

func TestDecodeDump(t *testing.T) {
	route := nlmsg(rtmNewRoute, rtmsg(afInet, 0, attr(rtaOIF, u32(2)...)))
	done := nlmsg(netlink.MsgDone, u32(0))
	ipmr := nlmsg(rtmNewRoute, rtmsg(128, 0)) // RTNL_FAMILY_IPMR: skipped
	buf := append(append(append(append([]byte{}, route...), nlmsg(netlink.MsgNoop, nil)...), ipmr...), route...)
	rs, ok, err := DecodeDump(append(append(buf, done...), 0xff), nil) // garbage after DONE is ignored
	if err != nil || !ok || len(rs) != 2 || rs[1].OIF != 2 {
		t.Errorf("DecodeDump = %+v, %v, %v; want 2 routes, done", rs, ok, err)
	}
	if rs, ok, err := DecodeDump(route, nil); err != nil || ok || len(rs) != 1 {
		t.Errorf("without NLMSG_DONE: %d routes, done %v, error %v; want 1, false, nil", len(rs), ok, err)
	}
	if _, _, err := decodeDump(route, 8, 0, nil); !errors.Is(err, errs.ErrMalformed) {
		t.Errorf("wrong sequence number: error %v, want errs.ErrMalformed", err)
	}
	if _, _, err := decodeDump(route, 0, 98, nil); !errors.Is(err, errs.ErrMalformed) {
		t.Errorf("wrong port id: error %v, want errs.ErrMalformed", err)
	}
	for name, b := range map[string][]byte{
		"NLMSG_ERROR": nlmsg(netlink.MsgError, u32(uint32(0x100000000-int64(syscall.EPERM)))),
		"failed DONE": nlmsg(netlink.MsgDone, u32(uint32(0x100000000-int64(syscall.EPERM)))),
	} {
		var ke *netlink.Error
		if _, _, err := DecodeDump(b, nil); !errors.As(err, &ke) || !errors.Is(err, syscall.EPERM) {
			t.Errorf("%s: error %v, want a *netlink.Error for EPERM", name, err)
		}
	}
	for name, b := range map[string][]byte{
		"short header":     route[:10],
		"length too big":   route[:len(route)-4],
		"length below hdr": append(u32(8), make([]byte, 12)...),
		"overrun":          nlmsg(netlink.MsgOverrun, nil),
		"short error":      nlmsg(netlink.MsgError, nil),
		"bad route":        nlmsg(rtmNewRoute, rtmsg(afInet, 40)),
	} {
		if _, _, err := DecodeDump(b, nil); !errors.Is(err, errs.ErrMalformed) {
			t.Errorf("%s: error %v, want errs.ErrMalformed", name, err)
		}
	}
}
