package routes

// Pure parsing of the kernel's route files, /proc/net/route (printed by
// fib_route_seq_show in net/ipv4/fib_trie.c) and /proc/net/ipv6_route
// (ipv6_route_native_seq_show in net/ipv6/ip6_fib.c). net-tools' netstat -r
// prints these files, not netlink: only they carry what it shows (the
// RTF_* flags, IPv6 reference counts, and the null-entry reject routes
// that netlink never dumps).

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/bits"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/procfs"
)

// RTF_* route flags of the kernel's route files (include/uapi/linux/route.h
// and include/uapi/linux/ipv6_route.h).
const (
	RTFUp        = 0x0001     // RTF_UP: the route is usable
	RTFGateway   = 0x0002     // RTF_GATEWAY: via a gateway
	RTFHost      = 0x0004     // RTF_HOST: a host route (a /32)
	RTFReinstate = 0x0008     // RTF_REINSTATE
	RTFDynamic   = 0x0010     // RTF_DYNAMIC: created by a redirect
	RTFModified  = 0x0020     // RTF_MODIFIED: modified by a redirect
	RTFMTU       = 0x0040     // RTF_MTU (RTF_MSS)
	RTFWindow    = 0x0080     // RTF_WINDOW
	RTFIRTT      = 0x0100     // RTF_IRTT
	RTFReject    = 0x0200     // RTF_REJECT: unreachable, prohibit, blackhole
	RTFDefault   = 0x00010000 // RTF_DEFAULT: an IPv6 default route from a router advertisement
	RTFAllOnLink = 0x00020000 // RTF_ALLONLINK
	RTFAddrConf  = 0x00040000 // RTF_ADDRCONF: an IPv6 prefix route from a router advertisement
	RTFNoNextHop = 0x00200000 // RTF_NONEXTHOP
	RTFExpires   = 0x00400000 // RTF_EXPIRES
	RTFCache     = 0x01000000 // RTF_CACHE: a cloned (cached) IPv6 route
	RTFFlow      = 0x02000000 // RTF_FLOW
	RTFPolicy    = 0x04000000 // RTF_POLICY
	RTFLocal     = 0x80000000 // RTF_LOCAL: a route to a local address
)

// KernelRoute is one line of /proc/net/route or /proc/net/ipv6_route: a
// route as the kernel prints it for net-tools, in the kernel's order.
type KernelRoute struct {
	// Family is 4 (/proc/net/route) or 6 (/proc/net/ipv6_route).
	Family int
	// Iface is the output device's name; "*" for an IPv4 route without one
	// (a reject route).
	Iface string
	// Dst is the destination prefix. An IPv4 mask that is not contiguous
	// (never made by Linux) keeps its leading ones only.
	Dst netip.Prefix
	// Gateway is the next hop; the unspecified address (0.0.0.0 or ::)
	// when there is none.
	Gateway netip.Addr
	// Flags are the RTF_* flags (RTFUp and the others).
	Flags uint32
	// Metric is the route's metric. IPv6 prints it as a hexadecimal word
	// (the null entry's is 0xffffffff, which net-tools shows as -1).
	Metric uint32
	// RefCnt and Use are the reference and use counts (always 0 for IPv4).
	RefCnt, Use int32
	// MTU, Window and IRTT are the IPv4 route's MSS, window and initial
	// round trip time (0 on current kernels); 0 for IPv6.
	MTU, Window, IRTT int32
}

// ErrMissing is wrapped by the error ReadKernel returns when
// /proc/net/route cannot be found: there is no procfs (macOS, Windows).
var ErrMissing = errors.New("routes: no /proc/net/route on this system")

// ReadKernel reads dir/route and then dir/ipv6_route, the route files of
// the network namespace whose /proc/net directory is dir (procfs.FS.Net when
// dir is ""), IPv4 routes first, each in the file's order. A missing
// ipv6_route (a kernel without IPv6) contributes nothing. It returns an
// error wrapping ErrMissing when dir/route does not exist, the
// *fs.PathError of another failed open or read, or an error wrapping
// errs.ErrMalformed if a file is malformed.
func ReadKernel(dir string) ([]KernelRoute, error) {
	if dir == "" {
		dir = procfs.Default().Net()
	}
	f, err := os.Open(filepath.Join(dir, "route"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %w", ErrMissing, err)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out, err := ParseProcRoute(f)
	if err != nil {
		return nil, err
	}
	f6, err := os.Open(filepath.Join(dir, "ipv6_route"))
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer f6.Close()
	v6, err := ParseIPv6Route(f6)
	if err != nil {
		return nil, err
	}
	return append(out, v6...), nil
}

// procRouteFields is the number of fields of a /proc/net/route line.
const procRouteFields = 11

// ParseProcRoute parses /proc/net/route: a header line, then one line per
// route, "Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window
// IRTT", tab-separated, with the addresses and the mask as 8 hexadecimal
// digits of the kernel's 32-bit word (network byte order read as a host
// integer: little-endian hosts print 0.0.0.127 for 127.0.0.0). The first
// line is skipped when it starts with "Iface"; blank lines are ignored.
//
// It returns an error wrapping errs.ErrMalformed, quoting the line, for a line with
// fewer than 11 fields or a field that is not a number of its kind, and
// the reader's error if reading fails.
func ParseProcRoute(r io.Reader) ([]KernelRoute, error) {
	return parseProcRoute(r, binary.NativeEndian)
}

// parseProcRoute is ParseProcRoute with the byte order of the kernel that
// printed the text, so tests decode little-endian captures on any host.
func parseProcRoute(r io.Reader, order binary.ByteOrder) ([]KernelRoute, error) {
	sc := bufio.NewScanner(r)
	var out []KernelRoute
	for first := true; sc.Scan(); first = false {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) == 0 || first && f[0] == "Iface" {
			continue
		}
		if len(f) < procRouteFields {
			return nil, routeLineError("/proc/net/route", line, fmt.Sprintf("%d fields, want %d", len(f), procRouteFields))
		}
		kr := KernelRoute{Family: 4, Iface: f[0]}
		var words [3]uint32 // destination, gateway, mask
		for i, j := range [3]int{1, 2, 7} {
			if len(f[j]) != 8 {
				return nil, routeLineError("/proc/net/route", line, fmt.Sprintf("field %d %q is not 8 hexadecimal digits", j+1, f[j]))
			}
			v, err := strconv.ParseUint(f[j], 16, 32)
			if err != nil {
				return nil, routeLineError("/proc/net/route", line, fmt.Sprintf("field %d %q is not 8 hexadecimal digits", j+1, f[j]))
			}
			words[i] = uint32(v)
		}
		fl, err := strconv.ParseUint(f[3], 16, 32)
		if err != nil {
			return nil, routeLineError("/proc/net/route", line, fmt.Sprintf("flags %q are not hexadecimal", f[3]))
		}
		kr.Flags = uint32(fl)
		ints := [...]*int32{&kr.RefCnt, &kr.Use, nil, nil, &kr.MTU, &kr.Window, &kr.IRTT}
		for i, p := range ints {
			j := 4 + i
			if j == 7 { // the mask, parsed above
				continue
			}
			v, err := strconv.ParseInt(f[j], 10, 64)
			if err != nil || v < -1<<31 || v > 1<<32-1 {
				return nil, routeLineError("/proc/net/route", line, fmt.Sprintf("field %d %q is not a decimal number", j+1, f[j]))
			}
			if p == nil { // Metric
				kr.Metric = uint32(v)
				continue
			}
			*p = int32(v)
		}
		addr := func(w uint32) netip.Addr {
			var a [4]byte
			order.PutUint32(a[:], w)
			return netip.AddrFrom4(a)
		}
		mask := addr(words[2]).As4()
		kr.Dst = netip.PrefixFrom(addr(words[0]), bits.LeadingZeros32(^binary.BigEndian.Uint32(mask[:])))
		kr.Gateway = addr(words[1])
		out = append(out, kr)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read /proc/net/route: %w", err)
	}
	return out, nil
}

// ipv6RouteFields is the number of fields of a /proc/net/ipv6_route line.
const ipv6RouteFields = 10

// ParseIPv6Route parses /proc/net/ipv6_route: one line per route, no
// header, "dst dst_len src src_len next_hop metric refcnt use flags
// device", the addresses as 32 hexadecimal digits in network byte order,
// the prefix lengths as 2 and the metric, counts and flags as 8
// hexadecimal digits. Blank lines are ignored.
//
// It returns an error wrapping errs.ErrMalformed, quoting the line, for a line with
// fewer than 10 fields, an address that is not 32 hexadecimal digits, a
// prefix length above 128 or a number that is not hexadecimal, and the
// reader's error if reading fails.
func ParseIPv6Route(r io.Reader) ([]KernelRoute, error) {
	sc := bufio.NewScanner(r)
	var out []KernelRoute
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < ipv6RouteFields {
			return nil, routeLineError("/proc/net/ipv6_route", line, fmt.Sprintf("%d fields, want %d", len(f), ipv6RouteFields))
		}
		kr := KernelRoute{Family: 6, Iface: f[9]}
		var addrs [2]netip.Addr
		for i, j := range [2]int{0, 4} {
			var a [16]byte
			if len(f[j]) != 32 {
				return nil, routeLineError("/proc/net/ipv6_route", line, fmt.Sprintf("address %q is not 32 hexadecimal digits", f[j]))
			}
			if _, err := hex.Decode(a[:], []byte(f[j])); err != nil {
				return nil, routeLineError("/proc/net/ipv6_route", line, fmt.Sprintf("address %q is not 32 hexadecimal digits", f[j]))
			}
			addrs[i] = netip.AddrFrom16(a)
		}
		plen, err := strconv.ParseUint(f[1], 16, 8)
		if err != nil || plen > 128 {
			return nil, routeLineError("/proc/net/ipv6_route", line, fmt.Sprintf("prefix length %q is not a hexadecimal number up to 80", f[1]))
		}
		var words [4]uint32 // metric, refcnt, use, flags
		for i := range words {
			v, err := strconv.ParseUint(f[5+i], 16, 32)
			if err != nil {
				return nil, routeLineError("/proc/net/ipv6_route", line, fmt.Sprintf("field %d %q is not hexadecimal", 6+i, f[5+i]))
			}
			words[i] = uint32(v)
		}
		kr.Dst = netip.PrefixFrom(addrs[0], int(plen))
		kr.Gateway = addrs[1]
		kr.Metric, kr.RefCnt, kr.Use, kr.Flags = words[0], int32(words[1]), int32(words[2]), words[3]
		out = append(out, kr)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read /proc/net/ipv6_route: %w", err)
	}
	return out, nil
}

// routeLineError returns an error wrapping errs.ErrMalformed that quotes a line of
// file.
func routeLineError(file, line, why string) error {
	return parseErrorf("%s line %q: %s", file, line, why)
}
