// Package netstats reads the kernel's protocol counters, the data behind
// netstat -s and nstat.
//
// # Files
//
// Read takes a /proc/<pid>/net directory (procfs.FS.Net(), the calling thread's
// network namespace, by default) and decodes:
//
//   - snmp: Ip, Icmp, IcmpMsg, Tcp, Udp, UdpLite (RFC 1213/4293 MIBs);
//   - netstat: TcpExt, IpExt, MPTcpExt (Linux extensions);
//   - snmp6: Ip6, Icmp6, Udp6, UdpLite6;
//   - sockstat and sockstat6: sockets in use and memory per protocol;
//   - sctp/snmp: Sctp, once the sctp module is loaded.
//
// Each Group records the file it came from (Group.File): the net-tools
// layout of netstat -s treats each file its own way.
//
// The kernel writes them in net/ipv4/proc.c and net/ipv6/proc.c
// (https://github.com/torvalds/linux/blob/v6.18/net/ipv4/proc.c).
//
// # Generic parsing
//
// The parsers know the layout of each file, never the names in it: every
// group and counter the kernel prints is kept under its own name, in file
// order, so a counter or a whole group added by a newer kernel shows up
// without a code change (prometheus/procfs, which lists names, misses 121
// of the ~400 counters of Linux 6.18). Values are int64: Tcp MaxConn is -1.
// A malformed line is reported with an error wrapping errs.ErrMalformed that quotes
// it, and parsing goes on with the next one; the parsers never panic.
// ParseSNMP, ParseSNMP6 and ParseSockstat are pure and carry no build tags.
//
// # Rates
//
// Delta turns two snapshots into per-second rates, like iproute2's nstat;
// Rates.Moved keeps the counters that moved. A counter that went down is
// taken to have wrapped or been reset and moved by its new value.
//
// Linux keeps one TCP counter set for IPv4 and IPv6 (Tcp, TcpExt): there
// is no Tcp6 group to find.
package netstats
