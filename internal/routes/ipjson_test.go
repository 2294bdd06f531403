package routes

// A second implementation to compare with: iproute2's
// "ip -d -j route show table all", parsed as JSON and reduced to the same
// canonical text as a Route.

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// ipRoute is one element of "ip -d -j route show" output.
type ipRoute struct {
	Type     string      `json:"type"`
	Dst      string      `json:"dst"`
	Gateway  string      `json:"gateway"`
	Via      *ipVia      `json:"via"`
	Dev      string      `json:"dev"`
	Table    string      `json:"table"`
	Protocol string      `json:"protocol"`
	Scope    string      `json:"scope"`
	Metric   uint32      `json:"metric"`
	PrefSrc  string      `json:"prefsrc"`
	Nexthops []ipNextHop `json:"nexthops"`
}

type ipVia struct {
	Family string `json:"family"`
	Host   string `json:"host"`
}

type ipNextHop struct {
	Gateway string `json:"gateway"`
	Via     *ipVia `json:"via"`
	Dev     string `json:"dev"`
	Weight  int    `json:"weight"`
}

// The names iproute2 prints for numbers (lib/rt_names.c and
// /usr/share/iproute2/rt_*; the defaults, as no test host renames them).
var (
	ipTypes = map[string]uint8{"unicast": 1, "local": 2, "broadcast": 3, "anycast": 4,
		"multicast": 5, "blackhole": 6, "unreachable": 7, "prohibit": 8, "throw": 9}
	ipProtos = map[string]uint8{"redirect": 1, "kernel": 2, "boot": 3, "static": 4, "ra": 9, "dhcp": 16}
	ipScopes = map[string]uint8{"global": 0, "universe": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255}
	ipTables = map[string]uint32{"default": 253, "main": 254, "local": 255}
)

func lookup[T uint8 | uint32](m map[string]T, s, what string) (T, error) {
	if v, ok := m[s]; ok {
		return v, nil
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || uint64(T(n)) != n {
		return 0, fmt.Errorf("unknown %s %q", what, s)
	}
	return T(n), nil
}

// canonical is the text both sides of the comparison reduce a route to.
func canonical(r Route) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s type=%d table=%d proto=%d scope=%d gw=%s dev=%s metric=%d src=%s",
		r.Family, r.Dst, r.Type, r.Table, r.Protocol, r.Scope, r.Gateway, r.IfName, r.Metric, r.PrefSrc)
	for _, nh := range r.Nexthops {
		fmt.Fprintf(&b, " nh(gw=%s dev=%s weight=%d)", nh.Gateway, nh.IfName, nh.Weight)
	}
	return b.String()
}

func canonicalAll(rs []Route) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = canonical(r)
	}
	slices.Sort(out)
	return out
}

func ipGateway(gw string, via *ipVia) (netip.Addr, error) {
	if via != nil {
		return netip.ParseAddr(via.Host)
	}
	if gw == "" {
		return netip.Addr{}, nil
	}
	return netip.ParseAddr(gw)
}

// parseIPRoutes converts "ip -d -j -F route show table all" output (F is 4
// or 6) into Routes carrying what ip shows, names included.
func parseIPRoutes(data []byte, family int) ([]Route, error) {
	var in []ipRoute
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, err
	}
	var out []Route
	for _, e := range in {
		r := Route{Family: family, IfName: e.Dev, Metric: e.Metric}
		var err error
		switch {
		case e.Dst == "default" && family == 4:
			r.Dst = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		case e.Dst == "default":
			r.Dst = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		case strings.Contains(e.Dst, "/"):
			r.Dst, err = netip.ParsePrefix(e.Dst)
		default:
			var a netip.Addr
			if a, err = netip.ParseAddr(e.Dst); err == nil {
				r.Dst = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil {
			return nil, err
		}
		if r.Type, err = lookup(ipTypes, e.Type, "type"); err != nil {
			return nil, err
		}
		if r.Table, err = lookup(ipTables, e.Table, "table"); err != nil {
			return nil, err
		}
		if r.Protocol, err = lookup(ipProtos, e.Protocol, "protocol"); err != nil {
			return nil, err
		}
		if r.Scope, err = lookup(ipScopes, e.Scope, "scope"); err != nil {
			return nil, err
		}
		if r.Gateway, err = ipGateway(e.Gateway, e.Via); err != nil {
			return nil, err
		}
		if e.PrefSrc != "" {
			if r.PrefSrc, err = netip.ParseAddr(e.PrefSrc); err != nil {
				return nil, err
			}
		}
		for _, h := range e.Nexthops {
			nh := Nexthop{IfName: h.Dev, Weight: h.Weight}
			if nh.Gateway, err = ipGateway(h.Gateway, h.Via); err != nil {
				return nil, err
			}
			r.Nexthops = append(r.Nexthops, nh)
		}
		out = append(out, r)
	}
	return out, nil
}

// diffRoutes lists the canonical routes only in got ("-") or only in want
// ("+"); it is empty when both hold the same multiset.
func diffRoutes(got, want []Route) []string {
	g, w := canonicalAll(got), canonicalAll(want)
	var d []string
	i, j := 0, 0
	for i < len(g) || j < len(w) {
		switch {
		case j == len(w) || (i < len(g) && g[i] < w[j]):
			d = append(d, "- "+g[i])
			i++
		case i == len(g) || w[j] < g[i]:
			d = append(d, "+ "+w[j])
			j++
		default:
			i++
			j++
		}
	}
	return d
}
