// Package ifaces reads the kernel's per-interface tables: the traffic
// counters of /proc/net/dev (netstat -i, Windows netstat -e) and the
// multicast group memberships of /proc/net/igmp and /proc/net/igmp6
// (netstat -g); on Windows, the counters of GetIfTable2.
//
// # Reading and parsing
//
// Interfaces and Groups open the files of one network namespace's /proc/net
// directory (procfs.FS.Net(), the calling thread's namespace, when given "").
// ParseDev, ParseIGMP and ParseIGMP6 do all the work on an io.Reader: they
// carry no build tags, never touch the file system, and are tested on text
// captured from Linux 6.18 (testdata/README.md) and fuzzed, on every OS.
//
// # net-tools' view
//
// ReadDevices (Linux) lists interfaces as net-tools' netstat -i and -ie
// see them: the names of /proc/net/dev and of SIOCGIFCONF (address labels
// included) in net-tools' order (CompareNames), each with the results of
// the ioctls net-tools issues (all IFF_* flags, MTU, hardware type and
// address, transmit queue length, I/O map, IPv4 address, netmask,
// broadcast and peer), and the IPv6 addresses of /proc/net/if_inet6
// (ParseIfInet6, pure and fuzzed).
//
// # Windows
//
// On Windows, Interfaces("") calls GetIfTable2 and DecodeIfTable2 decodes
// the MIB_IF_TABLE2 it returns; like the Linux parsers, the decoder is pure,
// tested on every OS (on tables built at the documented offsets and on one
// captured under Wine) and fuzzed. Windows keeps counters Linux lacks (the
// unicast/non-unicast split of both directions, unknown protocols), which
// fill Interface's Windows fields. Groups("") is not supported there.
//
// # Errors
//
// Every error about malformed input wraps errs.ErrMalformed and quotes the offending
// line, so callers can tell a kernel format change from a failed read with
// errors.Is(err, errs.ErrMalformed).
//
// # Byte order
//
// /proc/net/igmp prints each IPv4 group as the kernel's 32-bit word in host
// byte order (printf "%08X" of a __be32), so 224.0.0.1 reads "010000E0" on
// little-endian machines. ParseIGMP decodes with binary.NativeEndian, which
// is right for the running kernel; the tests decode the little-endian
// fixtures with an explicit byte order and so pass on big-endian hosts too.
package ifaces
