package netview

import (
	"bufio"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/routes"
)

// firstHop returns a route's gateway and interface: its own, or those of
// its first path when it is multipath, as /proc/net/route shows them.
func firstHop(r *routes.Route) (netip.Addr, string) {
	if len(r.Nexthops) > 0 {
		return r.Nexthops[0].Gateway, ifName(r.Nexthops[0].IfName, r.Nexthops[0].OIF)
	}
	return r.Gateway, ifName(r.IfName, r.OIF)
}

func isReject(t uint8) bool {
	return t == routes.TypeUnreachable || t == routes.TypeProhibit || t == routes.TypeBlackhole || t == routes.TypeThrow
}

// linuxFlags4 derives the flags net-tools prints for an IPv4 route from
// what the kernel's fib_flag_trans puts in /proc/net/route: U always, G
// with a gateway, H for a /32, RTF_REJECT (which net-tools prints as "!"
// in place of U and G) for unreachable and prohibit routes. D, M and R
// (redirects, reinstate) are never set by a current kernel in that file.
func linuxFlags4(r *routes.Route, gw netip.Addr) string {
	f := uint32(routes.RTFUp)
	if gw.IsValid() {
		f |= routes.RTFGateway
	}
	if r.Dst.Bits() == 32 {
		f |= routes.RTFHost
	}
	if r.Type == routes.TypeUnreachable || r.Type == routes.TypeProhibit {
		f |= routes.RTFReject
	}
	return kernelFlags4(f)
}

// linuxFlags6 derives the flags of /proc/net/ipv6_route (fib6_flags) from
// a route: U (RTF_UP) except on reject routes, ! (RTF_REJECT) for
// unreachable, prohibit, blackhole and throw routes, G with a gateway, D
// (RTF_DEFAULT) and A (RTF_ADDRCONF) for a default resp. prefix route
// learned from a router advertisement (protocol ra), n (RTF_NONEXTHOP) for
// local and anycast routes and reject routes. The expiry flag e needs
// RTA_CACHEINFO, which routes does not decode, and is never printed.
//
// The kernel also makes a reject route of a unicast route through the
// loopback device to anything but ::1 (ip6_route_info_create), while
// netlink still reports it as unicast: that too prints "!n".
func linuxFlags6(r *routes.Route, gw netip.Addr) string {
	var b strings.Builder
	_, dev := firstHop(r)
	reject := isReject(r.Type) ||
		r.Type == routes.TypeUnicast && dev == "lo" && r.Dst.Addr() != netip.IPv6Loopback()
	if !reject {
		b.WriteByte('U')
	} else {
		b.WriteByte('!')
	}
	if gw.IsValid() {
		b.WriteByte('G')
	}
	if r.Protocol == 9 { // RTPROT_RA
		if r.Dst.Bits() == 0 {
			b.WriteByte('D')
		}
		b.WriteByte('A')
	}
	if reject || r.Type == routes.TypeLocal || r.Type == routes.TypeAnycast {
		b.WriteByte('n')
	}
	return b.String()
}

func writeRoutesLinux(bw *bufio.Writer, v4, v6 []routes.Route, o *Options) {
	want4, want6 := o.routeFamilies()
	if want4 {
		bw.WriteString("Kernel IP routing table\n")
		bw.WriteString(routeHead4)
		for i := range v4 {
			r := &v4[i]
			if r.Table != routes.TableMain || r.Type == routes.TypeBroadcast || r.Type == routes.TypeMulticast {
				continue
			}
			gw, dev := firstHop(r)
			if dev == "" {
				dev = "*"
			}
			dst := trunc15(o.dest4(r.Dst, r.Dst.Bits() == 32))
			flags := linuxFlags4(r, gw)
			if r.Type == routes.TypeUnreachable || r.Type == routes.TypeProhibit {
				fmt.Fprintf(bw, "%-15s -               %-15s %-5s     - -          - -\n", dst, netmask(r.Dst.Bits()), flags)
				continue
			}
			gws := "0.0.0.0"
			if gw.IsValid() {
				gws = trunc15(o.hostOr(gw, gw.String()))
			}
			fmt.Fprintf(bw, "%-15s %-15s %-15s %-5s %5d %-5d %6d %s\n", dst, gws, netmask(r.Dst.Bits()), flags, 0, 0, 0, dev)
		}
	}
	if want6 {
		bw.WriteString("Kernel IPv6 routing table\n")
		bw.WriteString(routeHead6)
		for i := range v6 {
			r := &v6[i]
			gw, dev := firstHop(r)
			if dev == "" {
				dev = "lo" // the kernel hangs reject routes on the loopback device
			}
			flags := linuxFlags6(r, gw)
			if !gw.IsValid() {
				gw = netip.IPv6Unspecified()
			}
			dst := o.addr6(r.Dst.Addr()) + "/" + strconv.Itoa(r.Dst.Bits())
			fmt.Fprintf(bw, "%-30s %-26s %-4s %-3d %-1d %6d %s\n", dst, o.addr6(gw), flags, int32(r.Metric), 0, 0, dev)
		}
	}
}

const winRule = "===========================================================================\n"

// windowsTable reports whether the windows style shows routes of table t:
// the tables a lookup without policy rules consults.
func windowsTable(t uint32) bool {
	return t == routes.TableMain || t == routes.TableLocal || t == routes.TableDefault
}

func writeRoutesWindows(bw *bufio.Writer, v4, v6 []routes.Route, o *Options) {
	onLink := o.t("netview.routes.win.onlink")
	persistent := o.t("netview.routes.win.persistent") + "\n  " + o.t("netview.routes.win.none") + "\n"
	active := o.t("netview.routes.win.active") + "\n"
	if o.wants(4) {
		bw.WriteString(o.t("netview.routes.win.ipv4") + "\n" + winRule + active)
		bw.WriteString(o.t("netview.routes.win.head4") + "\n")
		for i := range v4 {
			r := &v4[i]
			if !windowsTable(r.Table) {
				continue
			}
			gw, dev := firstHop(r)
			gws := onLink
			if gw.IsValid() {
				gws = gw.String()
			}
			if r.PrefSrc.IsValid() {
				dev = r.PrefSrc.String()
			}
			bw.WriteString(padLeft(r.Dst.Addr().String(), 17) + padLeft(netmask(r.Dst.Bits()), 17) +
				padLeft(gws, 17) + padLeft(dev, 17) + padLeft(strconv.FormatUint(uint64(r.Metric), 10), 7) + "\n")
		}
		bw.WriteString(winRule + persistent)
	}
	if o.wants(6) {
		if o.wants(4) {
			bw.WriteByte('\n')
		}
		bw.WriteString(o.t("netview.routes.win.ipv6") + "\n" + winRule + active)
		bw.WriteString(o.t("netview.routes.win.head6") + "\n")
		for i := range v6 {
			r := &v6[i]
			if !windowsTable(r.Table) {
				continue
			}
			gw, _ := firstHop(r)
			gws := onLink
			if gw.IsValid() {
				gws = gw.String()
			}
			idx := r.OIF
			if len(r.Nexthops) > 0 {
				idx = r.Nexthops[0].OIF
			}
			line := padLeft(strconv.Itoa(idx), 3) + padLeft(strconv.FormatUint(uint64(r.Metric), 10), 7) + " "
			if d := r.Dst.String(); len(d) < 25 {
				line += padRight(d, 25)
			} else { // Windows puts the gateway of a long destination on a line of its own
				line += d + "\n" + strings.Repeat(" ", 36)
			}
			bw.WriteString(line + gws + "\n")
		}
		bw.WriteString(winRule + persistent)
	}
}
