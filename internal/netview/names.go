package netview

import (
	"net/netip"
	"strconv"

	"github.com/sockscope/sockscope/internal/routes"
)

// tableName names a routing table as ip route does: main, local, default,
// or the number.
func tableName(t uint32) string {
	switch t {
	case routes.TableMain:
		return "main"
	case routes.TableLocal:
		return "local"
	case routes.TableDefault:
		return "default"
	}
	return strconv.FormatUint(uint64(t), 10)
}

// protoNames are the RTPROT_* names of include/uapi/linux/rtnetlink.h as
// iproute2 prints them.
var protoNames = map[uint8]string{
	0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static",
	8: "gated", 9: "ra", 10: "mrt", 11: "zebra", 12: "bird", 13: "dnrouter",
	14: "xorp", 15: "ntk", 16: "dhcp", 17: "mrouted", 18: "keepalived",
	42: "babel", 99: "openr", 186: "bgp", 187: "isis", 188: "ospf",
	189: "rip", 192: "eigrp",
}

func protoName(p uint8) string {
	if n, ok := protoNames[p]; ok {
		return n
	}
	return strconv.Itoa(int(p))
}

func scopeName(s uint8) string {
	switch s {
	case routes.ScopeUniverse:
		return "global"
	case routes.ScopeSite:
		return "site"
	case routes.ScopeLink:
		return "link"
	case routes.ScopeHost:
		return "host"
	case routes.ScopeNowhere:
		return "nowhere"
	}
	return strconv.Itoa(int(s))
}

var typeNames = []string{"unspec", "unicast", "local", "broadcast", "anycast",
	"multicast", "blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve"}

func typeName(t uint8) string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return strconv.Itoa(int(t))
}

// addrOrEmpty prints a, or "" when a is invalid.
func addrOrEmpty(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// addrOrNil is a for JSON: nil (null) when invalid.
func addrOrNil(a netip.Addr) *string {
	if !a.IsValid() {
		return nil
	}
	s := a.String()
	return &s
}

// ifName names an interface: its name, else "if" and its index, else "".
func ifName(name string, index int) string {
	switch {
	case name != "":
		return name
	case index > 0:
		return "if" + strconv.Itoa(index)
	}
	return ""
}

// netmask is the dotted IPv4 mask of a prefix length.
func netmask(bits int) string {
	m := ^uint32(0) << (32 - bits)
	if bits == 0 {
		m = 0
	}
	return netip.AddrFrom4([4]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)}).String()
}
