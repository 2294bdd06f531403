package routes

import (
	"math"
	"net/netip"
)

// Helpers of the Windows List that need no Windows API, so they are
// tested on every platform.

// addMetric returns a route metric plus an interface metric, saturating at
// MaxUint32 (an unused route metric reads 0xffffffff).
func addMetric(route, iface uint32) uint32 {
	if route > math.MaxUint32-iface {
		return math.MaxUint32
	}
	return route + iface
}

// interfaceSource returns the address of pfxs, the addresses of r's
// interface with their subnets' lengths, that "route print" would show in
// its Interface column for r: the first whose subnet holds r's gateway, or
// else r's destination address, or else the first of pfxs. It returns the
// zero Addr when pfxs is empty.
func interfaceSource(r *Route, pfxs []netip.Prefix) netip.Addr {
	if len(pfxs) == 0 {
		return netip.Addr{}
	}
	for _, want := range [...]netip.Addr{r.Gateway, r.Dst.Addr()} {
		if !want.IsValid() {
			continue
		}
		for _, p := range pfxs {
			if p.Contains(want) {
				return p.Addr()
			}
		}
	}
	return pfxs[0].Addr()
}
