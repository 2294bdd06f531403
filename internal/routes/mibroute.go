package routes

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
)

// This file decodes the MIB_IPFORWARD_TABLE2 that the Windows IP Helper
// API's GetIpForwardTable2 returns. The decoder is a pure function over
// bytes with no build tags, so it is tested and fuzzed on every platform.
//
// Every structure is little-endian (all Windows targets are) and laid out
// with MSVC's natural alignment. The row begins with a NET_LUID (a
// ULONG64), so rows are 8-byte aligned, and the table is a ULONG NumEntries,
// 4 bytes of padding, and the rows from offset 8.
//
// Sources: netioapi.h as documented at
// https://learn.microsoft.com/en-us/windows/win32/api/netioapi/ns-netioapi-mib_ipforward_table2,
// .../ns-netioapi-mib_ipforward_row2 and .../ns-netioapi-ip_address_prefix;
// ws2ipdef.h at
// https://learn.microsoft.com/en-us/windows/win32/api/ws2ipdef/ns-ws2ipdef-sockaddr_inet
// and .../ns-ws2ipdef-sockaddr_in6_lh; ws2def.h at
// https://learn.microsoft.com/en-us/windows/win32/api/ws2def/ns-ws2def-sockaddr_in.
// The sizes and offsets agree with golang.org/x/sys/windows's
// MibIpForwardRow2 (v0.50.0, types_windows.go) and with the amd64 offset
// tests of WireGuard's winipcfg-go (internal/constants.go:
// MIB_IPFORWARD_ROW2_Size = 104, MIB_IPFORWARD_TABLE2_Table_Offset = 8).

// MIB_IPFORWARD_TABLE2: ULONG NumEntries; (4 bytes padding);
// MIB_IPFORWARD_ROW2 Table[ANY_SIZE] from offset 8.
const mibForwardHeader = 8

// MIB_IPFORWARD_ROW2, 104 bytes:
//
//	  0 NET_LUID          InterfaceLuid         (ULONG64)
//	  8 NET_IFINDEX       InterfaceIndex        (ULONG)
//	 12 IP_ADDRESS_PREFIX DestinationPrefix     (32 bytes:
//	      12 SOCKADDR_INET Prefix; 40 UCHAR PrefixLength; 41 3 bytes padding)
//	 44 SOCKADDR_INET     NextHop               (28 bytes)
//	 72 UCHAR             SitePrefixLength      (3 bytes padding)
//	 76 ULONG             ValidLifetime
//	 80 ULONG             PreferredLifetime
//	 84 ULONG             Metric
//	 88 NL_ROUTE_PROTOCOL Protocol              (an enum, 4 bytes)
//	 92 BOOLEAN           Loopback
//	 93 BOOLEAN           AutoconfigureAddress
//	 94 BOOLEAN           Publish
//	 95 BOOLEAN           Immortal
//	 96 ULONG             Age
//	100 NL_ROUTE_ORIGIN   Origin                (an enum, 4 bytes)
const (
	mibForwardRowLen  = 104
	fwdIfIndex        = 8
	fwdDest           = 12
	fwdDestLen        = 40
	fwdNextHop        = 44
	fwdMetric         = 84
	fwdProtocol       = 88
	fwdLoopback       = 92
	fwdOrigin         = 100
	sockaddrInetLen   = 28 // sizeof(SOCKADDR_INET), the union's largest member SOCKADDR_IN6
	mibForwardMaxRows = 1 << 20
)

// SOCKADDR_INET is a union whose first USHORT is the family in every
// member:
//
//	SOCKADDR_IN  (16 bytes): 0 ADDRESS_FAMILY sin_family; 2 USHORT sin_port;
//	                         4 IN_ADDR sin_addr (network order); 8 CHAR sin_zero[8]
//	SOCKADDR_IN6 (28 bytes): 0 ADDRESS_FAMILY sin6_family; 2 USHORT sin6_port;
//	                         4 ULONG sin6_flowinfo; 8 IN6_ADDR sin6_addr;
//	                         24 ULONG sin6_scope_id
const (
	winAFUnspec = 0  // AF_UNSPEC (ws2def.h)
	winAFInet   = 2  // AF_INET
	winAFInet6  = 23 // AF_INET6 on Windows
	sinAddr     = 4  // offset of sin_addr in SOCKADDR_IN
	sin6Addr    = 8  // offset of sin6_addr in SOCKADDR_IN6
)

// NL_ROUTE_PROTOCOL values (nldef.h, the MIB_IPPROTO_* of
// https://learn.microsoft.com/en-us/windows/win32/api/nldef/ne-nldef-nl_route_protocol)
// and NL_ROUTE_ORIGIN values (.../ne-nldef-nl_route_origin) the decoder
// maps.
const (
	mibProtoLocal           = 2  // MIB_IPPROTO_LOCAL: derived from the stack's own addresses
	mibProtoNetMgmt         = 3  // MIB_IPPROTO_NETMGMT: "route add", netsh, static
	mibProtoICMP            = 4  // MIB_IPPROTO_ICMP: an ICMP redirect
	mibProtoRIP             = 8  // MIB_IPPROTO_RIP
	mibProtoISIS            = 9  // MIB_IPPROTO_IS_IS
	mibProtoOSPF            = 13 // MIB_IPPROTO_OSPF
	mibProtoBGP             = 14 // MIB_IPPROTO_BGP
	mibProtoEIGRP           = 16 // MIB_IPPROTO_EIGRP
	mibProtoDHCP            = 19 // MIB_IPPROTO_DHCP
	mibProtoNTAutostatic    = 10002
	mibProtoNTStatic        = 10006
	mibProtoNTStaticNonDOD  = 10007
	nlroDHCP                = 2 // NlroDHCP
	nlroRouterAdvertisement = 3 // NlroRouterAdvertisement
)

// Linux rtm_protocol values (RTPROT_* of include/uapi/linux/rtnetlink.h)
// that Route.Protocol uses for Windows routes too.
const (
	rtprotUnspec   = 0
	rtprotRedirect = 1
	rtprotKernel   = 2
	rtprotStatic   = 4
	rtprotRA       = 9
	rtprotDHCP     = 16
	rtprotBGP      = 186
	rtprotISIS     = 187
	rtprotOSPF     = 188
	rtprotRIP      = 189
	rtprotEIGRP    = 192
)

// DecodeIPForwardTable2 decodes b, a MIB_IPFORWARD_TABLE2 as
// GetIpForwardTable2 returns it, and appends its routes to dst in the
// table's order. Each row maps to a Route as follows:
//
//   - Family, Dst: DestinationPrefix (AF_INET 4, AF_INET6 6), unmasked;
//   - Gateway: NextHop, invalid when NextHop is unspecified (an on-link
//     route) or of family AF_UNSPEC;
//   - OIF: InterfaceIndex; IfName is left empty;
//   - Metric: the row's Metric alone (List adds the interface metric);
//   - Table: TableMain, as Windows has a single routing table;
//   - Protocol: a Linux RTPROT_* value: redirect for ICMP, kernel for
//     local, static for netmgmt and the NT static kinds, dhcp, ra (from
//     Origin NlroRouterAdvertisement, which wins over Protocol), and the
//     routing daemons' own values for RIP, IS-IS, OSPF, BGP and EIGRP;
//     unspec for the rest;
//   - Type and Scope: local and host for a Loopback row (a route to one of
//     this machine's addresses), multicast and link for a destination
//     inside 224.0.0.0/4 or ff00::/8, broadcast and link for
//     255.255.255.255/32 (a subnet's broadcast /32 is not told apart),
//     else unicast with link scope when there is no
//     gateway and universe scope when there is one.
//
// It returns dst unchanged and an error wrapping errs.ErrMalformed if b is shorter
// than NumEntries rows (NumEntries is never trusted past the buffer), if
// NumEntries is above a million, or if a row has an unknown address family,
// a prefix longer than its address, or an interface index above MaxInt32.
// Bytes after the last row are ignored.
func DecodeIPForwardTable2(b []byte, dst []Route) ([]Route, error) {
	if len(b) < 4 {
		return dst, parseErrorf("MIB_IPFORWARD_TABLE2: %d bytes, shorter than NumEntries", len(b))
	}
	n := binary.LittleEndian.Uint32(b)
	if n == 0 {
		return dst, nil
	}
	if n > mibForwardMaxRows {
		return dst, parseErrorf("MIB_IPFORWARD_TABLE2: NumEntries %d above %d", n, mibForwardMaxRows)
	}
	if need := mibForwardHeader + uint64(n)*mibForwardRowLen; need > uint64(len(b)) {
		return dst, parseErrorf("MIB_IPFORWARD_TABLE2: NumEntries %d needs %d bytes, buffer has %d (room for %d rows)",
			n, need, len(b), max(len(b)-mibForwardHeader, 0)/mibForwardRowLen)
	}
	start := len(dst)
	dst = slices.Grow(dst, int(n))
	for i := range int(n) {
		r, err := decodeForwardRow(b[mibForwardHeader+i*mibForwardRowLen:][:mibForwardRowLen])
		if err != nil {
			return dst[:start], parseErrorf("MIB_IPFORWARD_ROW2 %d: %v", i, err)
		}
		dst = append(dst, r)
	}
	return dst, nil
}

// decodeForwardRow decodes one MIB_IPFORWARD_ROW2 of mibForwardRowLen
// bytes, as DecodeIPForwardTable2 documents.
func decodeForwardRow(row []byte) (Route, error) {
	le := binary.LittleEndian
	var r Route
	dst, fam, err := sockaddrInet(row[fwdDest:][:sockaddrInetLen])
	if err != nil {
		return r, fmt.Errorf("DestinationPrefix: %v", err)
	}
	if !dst.IsValid() {
		return r, fmt.Errorf("DestinationPrefix of family AF_UNSPEC")
	}
	bits := int(row[fwdDestLen])
	if bits > dst.BitLen() {
		return r, fmt.Errorf("PrefixLength %d for an IPv%d address", bits, fam)
	}
	r.Family, r.Dst = fam, netip.PrefixFrom(dst, bits)
	gw, _, err := sockaddrInet(row[fwdNextHop:][:sockaddrInetLen])
	if err != nil {
		return r, fmt.Errorf("NextHop: %v", err)
	}
	if gw.IsValid() && !gw.IsUnspecified() {
		r.Gateway = gw
	}
	idx := le.Uint32(row[fwdIfIndex:])
	if idx > maxIfIndex {
		return r, fmt.Errorf("InterfaceIndex %d out of range", idx)
	}
	r.OIF = int(idx)
	r.Metric = le.Uint32(row[fwdMetric:])
	r.Table = TableMain
	r.Protocol = rtprotOf(le.Uint32(row[fwdProtocol:]), le.Uint32(row[fwdOrigin:]))
	r.Type, r.Scope = typeScopeOf(&r, row[fwdLoopback] != 0)
	return r, nil
}

// sockaddrInet decodes the SOCKADDR_INET s: the address and 4 or 6 for
// AF_INET and AF_INET6, or the zero Addr and 0 for AF_UNSPEC; any other
// family is an error.
func sockaddrInet(s []byte) (netip.Addr, int, error) {
	switch f := binary.LittleEndian.Uint16(s); f {
	case winAFUnspec:
		return netip.Addr{}, 0, nil
	case winAFInet:
		return netip.AddrFrom4([4]byte(s[sinAddr:][:4])), 4, nil
	case winAFInet6:
		return netip.AddrFrom16([16]byte(s[sin6Addr:][:16])), 6, nil
	default:
		return netip.Addr{}, 0, fmt.Errorf("unknown address family %d", f)
	}
}

// rtprotOf maps NL_ROUTE_PROTOCOL proto and NL_ROUTE_ORIGIN origin to an
// RTPROT_* value, as DecodeIPForwardTable2 documents.
func rtprotOf(proto, origin uint32) uint8 {
	switch origin {
	case nlroRouterAdvertisement:
		return rtprotRA
	case nlroDHCP:
		return rtprotDHCP
	}
	switch proto {
	case mibProtoICMP:
		return rtprotRedirect
	case mibProtoLocal:
		return rtprotKernel
	case mibProtoNetMgmt, mibProtoNTAutostatic, mibProtoNTStatic, mibProtoNTStaticNonDOD:
		return rtprotStatic
	case mibProtoDHCP:
		return rtprotDHCP
	case mibProtoRIP:
		return rtprotRIP
	case mibProtoISIS:
		return rtprotISIS
	case mibProtoOSPF:
		return rtprotOSPF
	case mibProtoBGP:
		return rtprotBGP
	case mibProtoEIGRP:
		return rtprotEIGRP
	}
	return rtprotUnspec
}

var (
	multicast4 = netip.MustParsePrefix("224.0.0.0/4")
	multicast6 = netip.MustParsePrefix("ff00::/8")
	broadcast4 = netip.MustParsePrefix("255.255.255.255/32")
)

// typeScopeOf derives a Windows route's Type and Scope, which the row does
// not carry, as DecodeIPForwardTable2 documents.
func typeScopeOf(r *Route, loopback bool) (typ, scope uint8) {
	a := r.Dst.Addr()
	switch {
	case loopback:
		return TypeLocal, ScopeHost
	case r.Dst == broadcast4:
		return TypeBroadcast, ScopeLink
	case multicast4.Contains(a) || multicast6.Contains(a):
		return TypeMulticast, ScopeLink
	case !r.Gateway.IsValid():
		return TypeUnicast, ScopeLink
	}
	return TypeUnicast, ScopeUniverse
}
