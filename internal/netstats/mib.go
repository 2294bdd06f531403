package netstats

// Decoders for the structures the Windows IP Helper statistics calls fill
// (GetTcpStatisticsEx, GetUdpStatisticsEx, GetIpStatisticsEx,
// GetIcmpStatisticsEx). They are pure functions over the bytes of one
// structure, carry no build tags and are tested on every platform with the
// fixtures in testdata/mib. Counters get the names Linux gives them in
// /proc/net/snmp and /proc/net/snmp6, so the renderers show Windows
// counters exactly as Linux ones; a field Linux has no counter for keeps
// its Windows name without the dw prefix (RoutingDiscards, NumConns).
//
// Every structure is a sequence of little-endian DWORDs (Windows runs
// little-endian on amd64 and arm64) with no padding:
//
//   - MIB_TCPSTATS (tcpmib.h), 15 DWORDs, 60 bytes:
//     https://learn.microsoft.com/en-us/windows/win32/api/tcpmib/ns-tcpmib-mib_tcpstats_lh
//   - MIB_UDPSTATS (udpmib.h), 5 DWORDs, 20 bytes:
//     https://learn.microsoft.com/en-us/windows/win32/api/udpmib/ns-udpmib-mib_udpstats
//   - MIB_IPSTATS (ipmib.h), 23 DWORDs, 92 bytes:
//     https://learn.microsoft.com/en-us/windows/win32/api/ipmib/ns-ipmib-mib_ipstats_lh
//   - MIB_ICMP_EX (ipmib.h): icmpInStats then icmpOutStats, each a
//     MIBICMPSTATS_EX {dwMsgs, dwErrors, rgdwTypeCount[256]} of 258 DWORDs
//     (1032 bytes), 2064 bytes in all:
//     https://learn.microsoft.com/en-us/windows/win32/api/ipmib/ns-ipmib-mibicmpstats_ex_xpsp1
//
// The TCP decoder takes MIB_TCPSTATS (GetTcpStatisticsEx), not
// MIB_TCPSTATS2 (GetTcpStatisticsEx2, 64-bit InSegs/OutSegs): the issue
// names GetTcpStatisticsEx, it exists on every Windows since XP SP2 and in
// Wine, while GetTcpStatisticsEx2 needs Windows 10 1709. Its 32-bit
// counters wrap; Delta takes a counter that went down to have wrapped.

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/sockscope/sockscope/internal/errs"
)

// Sizes of the structures, in bytes.
const (
	SizeMIBTCPStats = 15 * 4
	SizeMIBUDPStats = 5 * 4
	SizeMIBIPStats  = 23 * 4
	SizeMIBICMPEx   = 2 * sizeICMPStatsEx
	sizeICMPStatsEx = (2 + 256) * 4
)

// tcpFields are the counter names of the DWORDs of MIB_TCPSTATS, in
// order. dwMaxConn is -1 when the limit is dynamic (Linux prints -1 too),
// so it is read as a signed value.
var tcpFields = []string{
	"RtoAlgorithm", "RtoMin", "RtoMax", "MaxConn", "ActiveOpens",
	"PassiveOpens", "AttemptFails", "EstabResets", "CurrEstab", "InSegs",
	"OutSegs", "RetransSegs", "InErrs", "OutRsts", "NumConns",
}

// udpFields are the counter names of the DWORDs of MIB_UDPSTATS.
var udpFields = []string{"InDatagrams", "NoPorts", "InErrors", "OutDatagrams", "NumAddrs"}

// ipFields are the counter names of the DWORDs of MIB_IPSTATS in group
// Ip. RoutingDiscards, NumIf, NumAddr and NumRoutes have no Linux
// counter.
var ipFields = []string{
	"Forwarding", "DefaultTTL", "InReceives", "InHdrErrors", "InAddrErrors",
	"ForwDatagrams", "InUnknownProtos", "InDiscards", "InDelivers",
	"OutRequests", "RoutingDiscards", "OutDiscards", "OutNoRoutes",
	"ReasmTimeout", "ReasmReqds", "ReasmOKs", "ReasmFails", "FragOKs",
	"FragFails", "FragCreates", "NumIf", "NumAddr", "NumRoutes",
}

// ip6Names renames the ipFields that snmp6 spells differently
// (Ip6OutForwDatagrams).
var ip6Names = map[string]string{"ForwDatagrams": "OutForwDatagrams"}

// An icmpType names the counters of one ICMP type, without the In or Out
// prefix, as Linux does in its Icmp (snmp) or Icmp6 (snmp6) group.
type icmpType struct {
	typ  int
	name string
}

// icmp4Types are the named ICMPv4 counters, in the order of
// /proc/net/snmp (net/ipv4/proc.c, icmp_put).
var icmp4Types = []icmpType{
	{3, "DestUnreachs"}, {11, "TimeExcds"}, {12, "ParmProbs"},
	{4, "SrcQuenchs"}, {5, "Redirects"}, {8, "Echos"}, {0, "EchoReps"},
	{13, "Timestamps"}, {14, "TimestampReps"}, {17, "AddrMasks"},
	{18, "AddrMaskReps"},
}

// icmp6Types are the named ICMPv6 counters, in the order of
// /proc/net/snmp6 (net/ipv6/proc.c, snmp6_icmp6_list).
var icmp6Types = []icmpType{
	{1, "DestUnreachs"}, {2, "PktTooBigs"}, {3, "TimeExcds"},
	{4, "ParmProblems"}, {128, "Echos"}, {129, "EchoReplies"},
	{130, "GroupMembQueries"}, {131, "GroupMembResponses"},
	{132, "GroupMembReductions"}, {133, "RouterSolicits"},
	{134, "RouterAdvertisements"}, {135, "NeighborSolicits"},
	{136, "NeighborAdvertisements"}, {137, "Redirects"},
	{143, "MLDv2Reports"},
}

// DecodeTCPStats decodes a MIB_TCPSTATS, as GetTcpStatisticsEx fills it,
// into group (Tcp for AF_INET, Tcp6 for AF_INET6: unlike Linux, Windows
// keeps one TCP counter set per family). b must be exactly
// SizeMIBTCPStats bytes; any other length is an error wrapping errs.ErrMalformed.
func DecodeTCPStats(b []byte, group string) (Group, error) {
	g, err := decodeDwords(b, "MIB_TCPSTATS", group, tcpFields, nil)
	if err == nil {
		g.Counters[3].Value = int64(int32(g.Counters[3].Value)) // MaxConn
	}
	return g, err
}

// DecodeUDPStats decodes a MIB_UDPSTATS, as GetUdpStatisticsEx fills it,
// into group (Udp for AF_INET, Udp6 for AF_INET6; the counter names are
// the same in both). b must be exactly SizeMIBUDPStats bytes.
func DecodeUDPStats(b []byte, group string) (Group, error) {
	return decodeDwords(b, "MIB_UDPSTATS", group, udpFields, nil)
}

// DecodeIPStats decodes a MIB_IPSTATS, as GetIpStatisticsEx fills it,
// into group (Ip for AF_INET, Ip6 for AF_INET6). In group Ip6 the
// counters take their snmp6 names (dwForwDatagrams is OutForwDatagrams).
// b must be exactly SizeMIBIPStats bytes.
func DecodeIPStats(b []byte, group string) (Group, error) {
	var rename map[string]string
	if group == "Ip6" {
		rename = ip6Names
	}
	return decodeDwords(b, "MIB_IPSTATS", group, ipFields, rename)
}

// DecodeICMPStatsEx decodes a MIB_ICMP_EX, as GetIcmpStatisticsEx fills
// it, into Linux's groups. b must be exactly SizeMIBICMPEx bytes.
//
// For IPv4 (v6 false) it returns group Icmp (InMsgs, InErrors, the named
// In counters, then the same for Out) and, when a type count is not zero,
// group IcmpMsg with InTypeN then OutTypeN for each such type, as
// /proc/net/snmp prints them. For IPv6 it returns group Icmp6 alone, with
// InMsgs, InErrors, OutMsgs, OutErrors, the named In then Out counters and
// Icmp6InTypeN/Icmp6OutTypeN for each type whose count is not zero, as
// /proc/net/snmp6 prints them.
func DecodeICMPStatsEx(b []byte, v6 bool) ([]Group, error) {
	if len(b) != SizeMIBICMPEx {
		return nil, sizeError("MIB_ICMP_EX", SizeMIBICMPEx, len(b))
	}
	in, out := b[:sizeICMPStatsEx], b[sizeICMPStatsEx:]
	msgs := func(s []byte) int64 { return dword(s, 0) }
	errs := func(s []byte) int64 { return dword(s, 1) }
	count := func(s []byte, typ int) int64 { return dword(s, 2+typ) }

	if v6 {
		g := Group{Name: "Icmp6", Counters: []Counter{
			{"InMsgs", msgs(in)}, {"InErrors", errs(in)},
			{"OutMsgs", msgs(out)}, {"OutErrors", errs(out)},
		}}
		for _, dir := range []struct {
			prefix string
			s      []byte
		}{{"In", in}, {"Out", out}} {
			for _, t := range icmp6Types {
				g.Counters = append(g.Counters, Counter{dir.prefix + t.name, count(dir.s, t.typ)})
			}
		}
		for typ := range 256 {
			n := strconv.Itoa(typ)
			if v := count(in, typ); v != 0 {
				g.Counters = append(g.Counters, Counter{"Icmp6InType" + n, v})
			}
			if v := count(out, typ); v != 0 {
				g.Counters = append(g.Counters, Counter{"Icmp6OutType" + n, v})
			}
		}
		return []Group{g}, nil
	}

	g := Group{Name: "Icmp"}
	msg := Group{Name: "IcmpMsg"}
	for _, dir := range []struct {
		prefix string
		s      []byte
	}{{"In", in}, {"Out", out}} {
		g.Counters = append(g.Counters, Counter{dir.prefix + "Msgs", msgs(dir.s)}, Counter{dir.prefix + "Errors", errs(dir.s)})
		for _, t := range icmp4Types {
			g.Counters = append(g.Counters, Counter{dir.prefix + t.name, count(dir.s, t.typ)})
		}
		for typ := range 256 {
			if v := count(dir.s, typ); v != 0 {
				msg.Counters = append(msg.Counters, Counter{dir.prefix + "Type" + strconv.Itoa(typ), v})
			}
		}
	}
	if len(msg.Counters) == 0 {
		return []Group{g}, nil
	}
	return []Group{g, msg}, nil
}

// decodeDwords decodes b, a structure of len(names) DWORDs, into a group
// whose counters are names (renamed by rename) in order.
func decodeDwords(b []byte, what, group string, names []string, rename map[string]string) (Group, error) {
	if len(b) != 4*len(names) {
		return Group{}, sizeError(what, 4*len(names), len(b))
	}
	g := Group{Name: group, Counters: make([]Counter, len(names))}
	for i, name := range names {
		if r, ok := rename[name]; ok {
			name = r
		}
		g.Counters[i] = Counter{Name: name, Value: dword(b, i)}
	}
	return g, nil
}

// dword returns the i-th little-endian DWORD of b, unsigned. The callers
// have checked the length.
func dword(b []byte, i int) int64 {
	return int64(binary.LittleEndian.Uint32(b[4*i:]))
}

func sizeError(what string, want, got int) error {
	return fmt.Errorf("%w: %s: %d bytes, want %d", errs.ErrMalformed, what, got, want)
}
