// Package routes reads the kernel's IPv4 and IPv6 routing tables, the data
// behind "netstat -r" and "ip route show table all".
//
// # Reading and parsing
//
// The decoders are pure: DecodeRoute and DecodeDump turn the bytes of an
// rtnetlink RTM_NEWROUTE dump, and DecodeIPForwardTable2 those of a Windows
// MIB_IPFORWARD_TABLE2, into Route values, on any GOOS, with explicit
// length checks, and never panic on malformed input (FuzzDecodeRoute,
// FuzzDecodeIPForwardTable2). List does the I/O: on Linux it dumps
// RTM_GETROUTE for AF_INET and AF_INET6 over a NETLINK_ROUTE socket and
// resolves interface names; on Windows it calls GetIpForwardTable2 and
// adds interface metrics, names and addresses; elsewhere it returns an
// error wrapping ErrUnsupported.
//
// # The kernel's route files
//
// ReadKernel reads /proc/net/route and /proc/net/ipv6_route, which
// ParseProcRoute and ParseIPv6Route decode (pure, fuzzed) into
// KernelRoute values: what net-tools' netstat -r prints, RTF_* flags,
// IPv6 reference and use counts and the per-table null entry (a reject
// ::/0 on lo) included, none of which netlink carries.
//
// # Windows
//
// Windows has one routing table, so every route is in TableMain. Its rows
// carry no route type or scope, and their protocols are not Linux's:
// DecodeIPForwardTable2 derives Type and Scope and maps Protocol to the
// nearest RTPROT_* value. List reports the effective metric (route plus
// interface metric), as route print does.
//
// # Network namespaces
//
// The netlink socket lives in the network namespace of the OS thread that
// opens it, so a caller that locked its goroutine to a thread and entered
// another namespace with setns(2) lists that namespace's routes.
//
// # Tables
//
// Every table is listed, including those numbered above 255, whose id only
// the RTA_TABLE attribute carries (struct rtmsg's rtm_table is one byte and
// reads RT_TABLE_COMPAT, 252, for them).
package routes
