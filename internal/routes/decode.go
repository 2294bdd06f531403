package routes

// Pure decoding of rtnetlink route dumps; internal/netlink walks the
// messages and attributes, this file decodes what they hold. The layouts
// are those of include/uapi/linux/netlink.h and
// include/uapi/linux/rtnetlink.h, as of the kernel this was written on:
// https://github.com/torvalds/linux/blob/v6.18/include/uapi/linux/rtnetlink.h
//
//	struct nlmsghdr  { __u32 nlmsg_len; __u16 nlmsg_type; __u16 nlmsg_flags;
//	                   __u32 nlmsg_seq; __u32 nlmsg_pid; };          // 16 bytes
//	struct rtmsg     { unsigned char rtm_family, rtm_dst_len, rtm_src_len,
//	                   rtm_tos, rtm_table, rtm_protocol, rtm_scope,
//	                   rtm_type; unsigned rtm_flags; };                // 12 bytes
//	struct rtattr    { unsigned short rta_len, rta_type; };           // 4 bytes
//	struct rtnexthop { unsigned short rtnh_len; unsigned char rtnh_flags,
//	                   rtnh_hops; int rtnh_ifindex; };                 // 8 bytes
//	struct rtvia     { __kernel_sa_family_t rtvia_family; __u8 rtvia_addr[]; };
//
// All integers are in host byte order; everything is aligned to 4 bytes
// (NLMSG_ALIGN, RTA_ALIGN, RTNH_ALIGN).

import (
	"encoding/binary"
	"net/netip"

	"github.com/sockscope/sockscope/internal/netlink"
)

const (
	rtmsgLen      = 12 // sizeof(struct rtmsg)
	rtnexthopLen  = 8  // sizeof(struct rtnexthop)
	rtviaHdrLen   = 2  // sizeof(__kernel_sa_family_t)
	rtmNewRoute   = 24 // RTM_NEWROUTE
	afInet        = 2  // AF_INET (include/linux/socket.h)
	afInet6       = 10 // AF_INET6 on Linux
	rtaDst        = 1  // RTA_DST
	rtaOIF        = 4  // RTA_OIF
	rtaGateway    = 5  // RTA_GATEWAY
	rtaPriority   = 6  // RTA_PRIORITY
	rtaPrefSrc    = 7  // RTA_PREFSRC
	rtaMultipath  = 9  // RTA_MULTIPATH
	rtaTable      = 15 // RTA_TABLE
	rtaVia        = 18 // RTA_VIA
	maxIfIndex    = 1<<31 - 1
	maxRouteAttrs = 1 << 16 // bound on the work one message can cause
)

var ne = binary.NativeEndian

// addrOf decodes an address of the given AF_* family from data, which must
// be exactly as long as the family's addresses.
func addrOf(family int, data []byte, what string) (netip.Addr, error) {
	switch {
	case family == afInet && len(data) == 4:
		return netip.AddrFrom4([4]byte(data)), nil
	case family == afInet6 && len(data) == 16:
		return netip.AddrFrom16([16]byte(data)), nil
	}
	return netip.Addr{}, parseErrorf("%s of %d bytes for address family %d", what, len(data), family)
}

// viaOf decodes a struct rtvia.
func viaOf(data []byte) (netip.Addr, error) {
	if len(data) < rtviaHdrLen {
		return netip.Addr{}, parseErrorf("RTA_VIA of %d bytes, too short", len(data))
	}
	return addrOf(int(ne.Uint16(data[0:2])), data[rtviaHdrLen:], "RTA_VIA address")
}

func u32Of(data []byte, what string) (uint32, error) {
	if len(data) != 4 {
		return 0, parseErrorf("%s of %d bytes, want 4", what, len(data))
	}
	return ne.Uint32(data), nil
}

func ifIndexOf(v uint32, what string) (int, error) {
	if v > maxIfIndex {
		return 0, parseErrorf("%s %d out of range", what, v)
	}
	return int(v), nil
}

// DecodeRoute decodes the payload of one RTM_NEWROUTE message (the bytes
// after struct nlmsghdr: a struct rtmsg and its rtattrs). It returns an
// error wrapping errs.ErrMalformed if the payload is truncated, an attribute is
// malformed or of the wrong size, the family is neither AF_INET nor
// AF_INET6, or the prefix length exceeds the family's address size.
// Attributes it does not know are skipped.
func DecodeRoute(b []byte) (Route, error) {
	var r Route
	if len(b) < rtmsgLen {
		return r, parseErrorf("rtmsg of %d bytes, want at least %d", len(b), rtmsgLen)
	}
	family := int(b[0])
	bits := 0
	switch family {
	case afInet:
		r.Family, bits = 4, 32
	case afInet6:
		r.Family, bits = 6, 128
	default:
		return r, parseErrorf("route of address family %d", family)
	}
	dstLen := int(b[1])
	if dstLen > bits {
		return r, parseErrorf("prefix length %d for a %d-bit address", dstLen, bits)
	}
	r.Table, r.Protocol, r.Scope, r.Type = uint32(b[4]), b[5], b[6], b[7]
	r.Flags = ne.Uint32(b[8:12])

	var dst netip.Addr
	if family == afInet {
		dst = netip.IPv4Unspecified()
	} else {
		dst = netip.IPv6Unspecified()
	}
	var err error
	it := netlink.NewAttrs(b[netlink.Align(rtmsgLen):])
	for n := 0; it.Next(); n++ {
		if n >= maxRouteAttrs {
			return r, parseErrorf("more than %d attributes", maxRouteAttrs)
		}
		var v uint32
		data := it.Data()
		switch it.Type() {
		case rtaDst:
			dst, err = addrOf(family, data, "RTA_DST")
		case rtaGateway:
			r.Gateway, err = addrOf(family, data, "RTA_GATEWAY")
		case rtaVia:
			r.Gateway, err = viaOf(data)
		case rtaPrefSrc:
			r.PrefSrc, err = addrOf(family, data, "RTA_PREFSRC")
		case rtaOIF:
			if v, err = u32Of(data, "RTA_OIF"); err == nil {
				r.OIF, err = ifIndexOf(v, "RTA_OIF")
			}
		case rtaPriority:
			r.Metric, err = u32Of(data, "RTA_PRIORITY")
		case rtaTable:
			r.Table, err = u32Of(data, "RTA_TABLE")
		case rtaMultipath:
			r.Nexthops, err = decodeNexthops(family, data)
		}
		if err != nil {
			return r, err
		}
	}
	if it.Err() != nil {
		return r, it.Err()
	}
	r.Dst = netip.PrefixFrom(dst, dstLen)
	return r, nil
}

// decodeNexthops decodes the array of struct rtnexthop in RTA_MULTIPATH,
// each followed by its own rtattrs (RTNH_DATA).
func decodeNexthops(family int, b []byte) ([]Nexthop, error) {
	var nhs []Nexthop
	for len(b) > 0 {
		if len(b) < rtnexthopLen {
			return nil, parseErrorf("%d trailing bytes in RTA_MULTIPATH, too short for a rtnexthop", len(b))
		}
		n := int(ne.Uint16(b[0:2]))
		if n < rtnexthopLen || n > len(b) { // RTNH_OK
			return nil, parseErrorf("rtnh_len %d out of range [%d, %d]", n, rtnexthopLen, len(b))
		}
		idx, err := ifIndexOf(ne.Uint32(b[4:8]), "rtnh_ifindex")
		if err != nil {
			return nil, err
		}
		nh := Nexthop{Flags: b[2], Weight: int(b[3]) + 1, OIF: idx}
		it := netlink.NewAttrs(b[rtnexthopLen:n])
		for it.Next() {
			switch it.Type() {
			case rtaGateway:
				nh.Gateway, err = addrOf(family, it.Data(), "nexthop RTA_GATEWAY")
			case rtaVia:
				nh.Gateway, err = viaOf(it.Data())
			}
			if err != nil {
				return nil, err
			}
		}
		if it.Err() != nil {
			return nil, it.Err()
		}
		nhs = append(nhs, nh)
		b = b[min(netlink.Align(n), len(b)):] // RTNH_NEXT
	}
	return nhs, nil
}
