package render

import (
	"net/netip"
	"strconv"
	"unicode/utf8"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The three table styles print an inet endpoint differently:
//
//	            modern              windows           linux (net-tools)
//	v4          10.0.0.1:443        10.0.0.1:443      10.0.0.1:443
//	v6          [2001:db8::1]:443   [2001:db8::1]:443 2001:db8::1:443
//	zone        [fe80::1%2]:22      [fe80::1%2]:22    fe80::1:22
//	bound dev   127.0.0.53%2:53     127.0.0.53:53     127.0.0.53:53
//	port 0      10.0.0.1:*          10.0.0.1:0        10.0.0.1:*
//	no peer     *:*                 0.0.0.0:0 (TCP)   0.0.0.0:*  / :::*
//	                                *:* (UDP)
//	named       host.example:https  host:https        host.example:https
//
// No style asks the Namer about an unspecified address or port 0, and
// raw sockets, whose "port" is an IP protocol number, are never given
// service names.

// appendModernEndpoint appends an endpoint as the modern style prints it.
// It returns the display width of what it appended less its length in
// bytes (0 for ASCII text), as appendSafeDW does.
func appendModernEndpoint(b []byte, s *sockets.Socket, ap netip.AddrPort, remote bool, o *Options) ([]byte, int) {
	a, port := ap.Addr(), ap.Port()
	if remote && port == 0 && (!a.IsValid() || a.IsUnspecified()) {
		return append(b, "*:*"...), 0
	}
	var dw, pdw int
	if name := hostName(a, o.Namer); name != "" {
		b, dw = appendSafeDW(b, name)
	} else {
		zone := s.Zone
		if remote && !isLinkLocal(a) {
			zone = 0 // a bound device is the local end's
		}
		b, dw = appendModernAddr(b, a, zone, o.Namer)
	}
	b = append(b, ':')
	if port == 0 {
		return append(b, '*'), dw
	}
	if name := serviceName(port, s.Proto, o.Namer); name != "" {
		b, pdw = appendSafeDW(b, name)
		return b, dw + pdw
	}
	return strconv.AppendUint(b, uint64(port), 10), dw
}

// AppendModernEndpoint appends the local end of inet socket s (the remote
// one if remote) as the modern table prints it, with names from n where it
// has them (nil: numeric), for other views of sockets (the live view).
func AppendModernEndpoint(b []byte, s *sockets.Socket, remote bool, n Namer) []byte {
	ap := s.Local
	if remote {
		ap = s.Remote
	}
	b, _ = appendModernEndpoint(b, s, ap, remote, &Options{Namer: n})
	return b
}

// appendModernAddr appends a numeric address: IPv6 in brackets, and the
// zone (the address's own, else the socket's interface index, named when
// the namer can) after a '%', as ss prints a bound device. It returns
// the display width of what it appended less its length in bytes.
func appendModernAddr(b []byte, a netip.Addr, zone uint32, n Namer) ([]byte, int) {
	v6 := a.Is6()
	if v6 {
		b = append(b, '[')
	}
	b, dw := appendAddrZone(b, a)
	if a.Zone() == "" && zone != 0 {
		b = append(b, '%')
		var name string
		if in, ok := n.(InterfaceNamer); ok {
			name = in.Interface(zone)
		}
		if name != "" {
			var ndw int
			b, ndw = appendSafeDW(b, name)
			dw += ndw
		} else {
			b = strconv.AppendUint(b, uint64(zone), 10)
		}
	}
	if v6 {
		b = append(b, ']')
	}
	return b, dw
}

// appendWindowsEndpoint appends an endpoint as Windows netstat prints it:
// port 0 as "0", the scope of a link-local IPv6 address after '%' inside
// the brackets, and a name cut to its first label unless fqdn.
func appendWindowsEndpoint(b []byte, s *sockets.Socket, ap netip.AddrPort, o *Options) []byte {
	a, port := ap.Addr(), ap.Port()
	if name := hostName(a, o.Namer); name != "" {
		if !o.FQDN {
			name = firstLabel(name)
		}
		b, _ = appendSafe(b, name)
	} else if a.Is6() {
		b = append(b, '[')
		b, _ = appendAddrZone(b, a)
		if a.Zone() == "" && s.Zone != 0 && isLinkLocal(a) {
			b = append(b, '%')
			b = strconv.AppendUint(b, uint64(s.Zone), 10)
		}
		b = append(b, ']')
	} else {
		b, _ = appendAddrZone(b, a)
	}
	b = append(b, ':')
	if name := serviceName(port, s.Proto, o.Namer); name != "" {
		b, _ = appendSafe(b, name)
		return b
	}
	return strconv.AppendUint(b, uint64(port), 10)
}

// linuxAddrMax is what net-tools fits an address into without -W: 22
// bytes of host and port, plus the colon (netstat.c, addr_do_one).
const linuxAddrMax = 22

// appendLinuxEndpoint appends an endpoint as net-tools netstat prints it:
// IPv6 without brackets, port 0 as "*", no zone, and, unless wide, host
// and port cut to 23 bytes the way net-tools cuts them (the port keeps up
// to 18 bytes, the host gets the rest).
func appendLinuxEndpoint(b []byte, s *sockets.Socket, ap netip.AddrPort, o *Options) []byte {
	var hbuf, pbuf [64]byte
	a, port := ap.Addr(), ap.Port()
	host := hbuf[:0]
	switch name := hostName(a, o.Namer); {
	case a.Is4In6():
		// net-tools prints an IPv4-mapped address as the IPv4 address it
		// maps, and never looks it up.
		host = appendIPv4(host, a.Unmap().As4())
	case name != "":
		host, _ = appendSafe(host, name)
	case o.Namer != nil && a.Is6() && a.IsUnspecified():
		// Resolving, net-tools prints the unspecified IPv6 address as
		// "[::]"; numerically as "::".
		host = append(host, "[::]"...)
	case a.Is4():
		host = appendIPv4(host, a.As4())
	default:
		host = a.WithZone("").AppendTo(host)
	}
	serv := pbuf[:0]
	if port == 0 {
		serv = append(serv, '*')
	} else if name := serviceName(port, s.Proto, o.Namer); name != "" {
		serv, _ = appendSafe(serv, name)
	} else {
		serv = strconv.AppendUint(serv, uint64(port), 10)
	}
	if !o.Wide && len(host)+len(serv) > linuxAddrMax {
		servLen := runeCut(serv, linuxAddrMax-4)
		host = host[:runeCut(host, linuxAddrMax-servLen)]
		serv = serv[:servLen]
	}
	b = append(b, host...)
	b = append(b, ':')
	return append(b, serv...)
}

// runeCut returns the length of the longest prefix of b that is at most n
// bytes and does not end inside a UTF-8 sequence.
func runeCut(b []byte, n int) int {
	if n >= len(b) {
		return len(b)
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return n
}

// appendAddrZone appends a numeric address and its zone, if it has one,
// after a '%', the zone escaped. It returns the display width of what it
// appended less its length in bytes (that of the zone).
func appendAddrZone(b []byte, a netip.Addr) ([]byte, int) {
	if a.Is4() {
		return appendIPv4(b, a.As4()), 0
	}
	zone := a.Zone()
	b = appendIPv6(b, a)
	if zone == "" {
		return b, 0
	}
	b = append(b, '%')
	return appendSafeDW(b, zone)
}

// octets holds the decimal text of every byte value.
var octets = func() (t [256]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

// appendIPv4 appends a dotted-quad address; it is netip.Addr.AppendTo
// for IPv4, at half the cost, which matters at 200k addresses a listing.
func appendIPv4(b []byte, a [4]byte) []byte {
	b = append(b, octets[a[0]]...)
	b = append(b, '.')
	b = append(b, octets[a[1]]...)
	b = append(b, '.')
	b = append(b, octets[a[2]]...)
	b = append(b, '.')
	return append(b, octets[a[3]]...)
}

// appendIPv6 appends an IPv6 address without its zone, as
// netip.Addr.AppendTo writes it (RFC 5952: the first longest run of two or
// more zero groups as "::"; IPv4-mapped addresses and anything not IPv6
// are left to netip), at two thirds of the cost: the modern table formats
// each IPv6 address twice, on its hot path.
func appendIPv6(b []byte, a netip.Addr) []byte {
	if !a.Is6() || a.Is4In6() {
		return a.WithZone("").AppendTo(b)
	}
	a16 := a.As16()
	var g [8]uint16
	for i := range g {
		g[i] = uint16(a16[2*i])<<8 | uint16(a16[2*i+1])
	}
	zs, ze := -1, -1 // the zero run to elide
	for i := 0; i < 8; {
		if g[i] != 0 {
			i++
			continue
		}
		j := i + 1
		for j < 8 && g[j] == 0 {
			j++
		}
		if j-i >= 2 && j-i > ze-zs {
			zs, ze = i, j
		}
		i = j
	}
	var buf [39]byte
	n := 0
	for i := 0; i < 8; i++ {
		if i == zs {
			buf[n], buf[n+1] = ':', ':'
			n += 2
			if i = ze; i == 8 {
				break
			}
		} else if i > 0 {
			buf[n] = ':'
			n++
		}
		x := g[i]
		switch {
		case x >= 0x1000:
			buf[n] = hexDigits[x>>12]
			n++
			fallthrough
		case x >= 0x100:
			buf[n] = hexDigits[x>>8&0xf]
			n++
			fallthrough
		case x >= 0x10:
			buf[n] = hexDigits[x>>4&0xf]
			n++
		}
		buf[n] = hexDigits[x&0xf]
		n++
	}
	return append(b, buf[:n]...)
}

func isLinkLocal(a netip.Addr) bool {
	return a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast()
}

// hostName asks the namer for a's name; "" when there is no namer, the
// address is unspecified, or the namer has no name.
func hostName(a netip.Addr, n Namer) string {
	if n == nil || !a.IsValid() || a.IsUnspecified() {
		return ""
	}
	return n.Host(a)
}

// serviceName asks the namer for the name of a port; "" for port 0, raw
// sockets, or no name.
func serviceName(port uint16, p sockets.Proto, n Namer) string {
	if n == nil || port == 0 || p == sockets.Raw {
		return ""
	}
	return n.Service(port, p)
}

// appendIPv6Zone appends an IPv6 address as netip.Addr.AppendTo writes it,
// zone included, through appendIPv6's faster path when there is no zone.
func appendIPv6Zone(b []byte, a netip.Addr) []byte {
	if a.Zone() != "" {
		return a.AppendTo(b)
	}
	return appendIPv6(b, a)
}
