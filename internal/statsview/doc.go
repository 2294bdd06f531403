// Package statsview renders the kernel's protocol counters (a
// netstats.Snapshot, or the Rates between two) as sockscope stats and
// sockscope -s print them: netstat -s and nstat.
//
// # Layouts
//
// Write takes a render.Style and a render.Format:
//
//   - render.Modern (the default): every group of every counter file, one
//     counter a line: a label in Options.Lang (Windows netstat's own where
//     Windows shows the counter), the kernel's name, the value; then a
//     "derived" block with the ratios people compute by hand
//     (retransmitted/sent segments, failed/active opens, resets per
//     connection, listen overflows and drops, UDP receive errors).
//   - render.Windows: the sections of Windows netstat -s (IPv4 Statistics,
//     ICMPv4 Statistics, TCP Statistics for IPv4, UDP Statistics for IPv6,
//     ...) with Windows' labels and padding, in English or Simplified
//     Chinese (Options.Lang). docs/stats.md maps each label to its Linux
//     counter.
//   - render.Linux: net-tools 2.10's netstat -s, byte for byte (linux.go
//     says how), with net-tools' meaning of -t, -u, -w, -4, -6
//     (Options.Kinds, Options.Families).
//   - render.JSON, render.NDJSON and render.CSV: every counter, by group,
//     in kernel order (docs/stats.md describes the shapes).
//
// With Rates, Write prints what nstat prints: only the counters that
// moved, with their delta and per-second rate, in every table style.
//
// # Protocols
//
// Options.Protos (from ParseProtos, netstat's -p with -s) selects ip,
// ipv6, icmp, icmpv6, tcp, tcpv6, udp and udpv6; Options.Kinds and
// Options.Families (-t, -u, -w, -U, -S, -4, -6) narrow the same set.
// Options.NonZero leaves out the counters that are 0. Linux keeps one TCP
// counter set for IPv4 and IPv6: tcpv6 shows that set with a note saying
// so, never an invented split. Windows keeps one per family: when the
// snapshot has a Tcp6 group, tcpv6 shows Tcp6, without the note.
package statsview
