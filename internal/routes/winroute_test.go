package routes

import (
	"math"
	"net/netip"
	"testing"
)

func TestAddMetric(t *testing.T) {
	for _, tc := range []struct{ route, iface, want uint32 }{
		{0, 25, 25},                          // a default route on a 1 Gb/s adapter
		{256, 75, 331},                       // an on-link route on Wi-Fi
		{math.MaxUint32, 25, math.MaxUint32}, // an unused route metric saturates
		{math.MaxUint32 - 1, 1, math.MaxUint32},
	} {
		if got := addMetric(tc.route, tc.iface); got != tc.want {
			t.Errorf("addMetric(%d, %d) = %d, want %d", tc.route, tc.iface, got, tc.want)
		}
	}
}

func TestInterfaceSource(t *testing.T) {
	pfxs := []netip.Prefix{pfx("10.0.0.5/8"), pfx("192.168.1.10/24")}
	for _, tc := range []struct {
		name string
		r    Route
		pfxs []netip.Prefix
		want netip.Addr
	}{
		{"gateway's subnet", Route{Dst: pfx("0.0.0.0/0"), Gateway: addr("192.168.1.1")}, pfxs, addr("192.168.1.10")},
		{"destination's subnet", Route{Dst: pfx("192.168.1.255/32")}, pfxs, addr("192.168.1.10")},
		{"gateway wins over destination", Route{Dst: pfx("10.1.0.0/16"), Gateway: addr("192.168.1.1")}, pfxs, addr("192.168.1.10")},
		{"neither: the first address", Route{Dst: pfx("224.0.0.0/4")}, pfxs, addr("10.0.0.5")},
		{"no addresses", Route{Dst: pfx("224.0.0.0/4")}, nil, netip.Addr{}},
	} {
		if got := interfaceSource(&tc.r, tc.pfxs); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
