package netview

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strconv"

	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/routes"
)

// NetToolsText reports whether o asks for a net-tools text layout (the
// linux style in the table format), the layouts WriteKernelRoutes and
// WriteDevices render; the machine formats and the other styles are
// rendered by WriteRoutes and WriteInterfaces.
func NetToolsText(o Options) bool {
	return o.Style == render.Linux && o.Format != render.JSON && o.Format != render.NDJSON && o.Format != render.CSV
}

// routeFamilies returns whether the linux route table shows IPv4 and IPv6
// routes: net-tools' netstat -r shows IPv4 only unless told otherwise.
func (o *Options) routeFamilies() (v4, v6 bool) {
	switch o.Families {
	case Family4:
		return true, false
	case Family6:
		return false, true
	case FamilyBoth:
		return true, true
	}
	return true, false
}

// WriteKernelRoutes renders routes read from the kernel's route files
// (routes.ReadKernel) as net-tools 2.10 "netstat -r" does: IPv4 routes
// from /proc/net/route ("Kernel IP routing table") unless o.Families is
// Family6, IPv6 routes from /proc/net/ipv6_route ("Kernel IPv6 routing
// table") when it is Family6 or FamilyBoth, each in the kernel's order.
// IPv4 lines without RTF_UP and cached IPv6 routes (RTF_CACHE) are left
// out, as net-tools leaves them out. Without o.Numeric an unspecified
// IPv4 destination reads "default", an unspecified IPv6 address "[::]",
// and addresses o.Names names read as names (host names, network names
// for IPv4 network destinations); others stay numeric (net-tools would go
// on to ask DNS).
//
// It renders the table layout whatever o.Style says; machine formats and
// the other styles need the netlink routes of WriteRoutes.
func WriteKernelRoutes(w io.Writer, krs []routes.KernelRoute, o Options) error {
	v4, v6 := o.routeFamilies()
	return output(w, func(bw *bufio.Writer) error {
		if v4 {
			bw.WriteString("Kernel IP routing table\n")
			switch {
			case o.MoreExtended:
				bw.WriteString(routeHead4ee)
			case o.Extended:
				bw.WriteString(routeHead4e)
			default:
				bw.WriteString(routeHead4)
			}
			for i := range krs {
				if kr := &krs[i]; kr.Family == 4 && kr.Flags&routes.RTFUp != 0 {
					writeKernelRoute4(bw, kr, &o)
				}
			}
		}
		if v6 {
			bw.WriteString("Kernel IPv6 routing table\n")
			bw.WriteString(routeHead6)
			for i := range krs {
				if kr := &krs[i]; kr.Family == 6 && kr.Flags&routes.RTFCache == 0 {
					writeKernelRoute6(bw, kr, &o)
				}
			}
		}
		return nil
	})
}

const (
	routeHead4   = "Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface\n"
	routeHead4e  = "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n"
	routeHead4ee = "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface    MSS   Window irtt\n"
	routeHead6   = "Destination                    Next Hop                   Flag Met Ref  Use If\n"
)

// flagLetter is one letter of net-tools' route flags.
type flagLetter struct {
	bit    uint32
	letter byte
}

// flags4 are the letters of an IPv4 route after U and G, in net-tools'
// order (RTF_REJECT is handled apart: it replaces U and G by "!").
var flags4 = []flagLetter{
	{routes.RTFHost, 'H'}, {routes.RTFReinstate, 'R'}, {routes.RTFDynamic, 'D'}, {routes.RTFModified, 'M'},
	{routes.RTFDefault, 'd'}, {routes.RTFAllOnLink, 'a'}, {routes.RTFAddrConf, 'c'}, {routes.RTFNoNextHop, 'o'},
	{routes.RTFExpires, 'e'}, {routes.RTFCache, 'c'}, {routes.RTFFlow, 'f'}, {routes.RTFPolicy, 'p'},
	{routes.RTFLocal, 'l'}, {routes.RTFMTU, 'u'}, {routes.RTFWindow, 'w'}, {routes.RTFIRTT, 'i'},
}

// flags6 are the letters of an IPv6 route, in net-tools' order.
var flags6 = []flagLetter{
	{routes.RTFUp, 'U'}, {routes.RTFReject, '!'}, {routes.RTFGateway, 'G'}, {routes.RTFHost, 'H'},
	{routes.RTFDefault, 'D'}, {routes.RTFAddrConf, 'A'}, {routes.RTFCache, 'C'}, {routes.RTFAllOnLink, 'a'},
	{routes.RTFExpires, 'e'}, {routes.RTFModified, 'm'}, {routes.RTFNoNextHop, 'n'}, {routes.RTFFlow, 'f'},
}

// kernelFlags4 spells an IPv4 route's flags as net-tools does.
func kernelFlags4(f uint32) string {
	var b []byte
	if f&routes.RTFUp != 0 {
		b = append(b, 'U')
	}
	if f&routes.RTFGateway != 0 {
		b = append(b, 'G')
	}
	if f&routes.RTFReject != 0 {
		b = append(b[:0], '!')
	}
	for _, l := range flags4 {
		if f&l.bit != 0 {
			b = append(b, l.letter)
		}
	}
	return string(b)
}

// kernelFlags6 spells an IPv6 route's flags as net-tools does.
func kernelFlags6(f uint32) string {
	var b []byte
	for _, l := range flags6 {
		if f&l.bit != 0 {
			b = append(b, l.letter)
		}
	}
	return string(b)
}

// trunc15 cuts s to the 15 bytes net-tools keeps of an IPv4 column.
func trunc15(s string) string {
	if len(s) > 15 {
		return s[:15]
	}
	return s
}

func writeKernelRoute4(bw *bufio.Writer, kr *routes.KernelRoute, o *Options) {
	dst := o.dest4(kr.Dst, kr.Flags&routes.RTFHost != 0)
	mask := netmask(kr.Dst.Bits())
	flags := kernelFlags4(kr.Flags)
	if o.Extended || o.MoreExtended {
		writeKernelRoute4e(bw, kr, o, dst, mask, flags)
		return
	}
	if kr.Flags&routes.RTFReject != 0 {
		fmt.Fprintf(bw, "%-15s -               %-15s %-5s     - -          - -\n", trunc15(dst), mask, flags)
		return
	}
	gw := kr.Gateway.String()
	if !kr.Gateway.IsUnspecified() {
		gw = o.hostOr(kr.Gateway, gw)
	}
	fmt.Fprintf(bw, "%-15s %-15s %-15s %-5s %5d %-5d %6d %s\n", trunc15(dst), trunc15(gw), mask,
		flags, kr.MTU, kr.Window, kr.IRTT, kr.Iface)
}

// writeKernelRoute4e writes an IPv4 route as net-tools' -e (Metric, Ref,
// Use) and -ee (then MSS, Window, irtt, the interface cut to 6 bytes)
// print it; a reject route has "-" where it has no value.
func writeKernelRoute4e(bw *bufio.Writer, kr *routes.KernelRoute, o *Options, dst, mask, flags string) {
	reject := kr.Flags&routes.RTFReject != 0
	gw, ref, iface := "-", "-", "-"
	if !reject {
		gw = kr.Gateway.String()
		if !kr.Gateway.IsUnspecified() {
			gw = o.hostOr(kr.Gateway, gw)
		}
		ref, iface = strconv.Itoa(int(kr.RefCnt)), kr.Iface
	}
	fmt.Fprintf(bw, "%-15s %-15s %-15s %-6s%-6d %-3s %6d ", trunc15(dst), trunc15(gw), mask, flags, kr.Metric, ref, kr.Use)
	if !o.MoreExtended {
		fmt.Fprintf(bw, "%s\n", iface)
		return
	}
	if len(iface) > 6 {
		iface = iface[:6]
	}
	if reject {
		fmt.Fprintf(bw, "%-6s   %-5s %-6s %s\n", iface, "-", "-", "-")
		return
	}
	fmt.Fprintf(bw, "%-6s   %-5d %-6d %d\n", iface, kr.MTU, kr.Window, kr.IRTT)
}

func writeKernelRoute6(bw *bufio.Writer, kr *routes.KernelRoute, o *Options) {
	dst := o.addr6(kr.Dst.Addr()) + "/" + strconv.Itoa(kr.Dst.Bits())
	fmt.Fprintf(bw, "%-30s %-26s %-4s %-3d %-1d %6d %s\n", dst, o.addr6(kr.Gateway),
		kernelFlags6(kr.Flags), int32(kr.Metric), kr.RefCnt, kr.Use, kr.Iface)
}

// addr6 prints an IPv6 address as net-tools does: without o.Numeric
// "[::]" for the unspecified address and the host name where o.Names has
// one, else as glibc's inet_ntop.
func (o *Options) addr6(a netip.Addr) string {
	if !o.Numeric && a.IsUnspecified() {
		return "[::]"
	}
	return o.hostOr(a, ntop6(a))
}

// ntop6 formats an IPv6 address as glibc's inet_ntop: as netip does
// (RFC 5952), except that an address whose first six groups are zero and
// seventh is not ends in dotted IPv4 (the deprecated IPv4-compatible
// form, "::1.2.3.4"), as glibc still prints it.
func ntop6(a netip.Addr) string {
	b := a.As16()
	for _, c := range b[:12] {
		if c != 0 {
			return a.String()
		}
	}
	if b[12] == 0 && b[13] == 0 {
		return a.String()
	}
	return "::" + netip.AddrFrom4([4]byte(b[12:])).String()
}
