package statsview

import (
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/render"
)

// quietSnapshot is a namespace that saw almost nothing, as files: the
// layout net-tools gives it shows its quirks (empty histogram titles,
// lines that are always printed, names it cannot find).
func quietSnapshot() *netstats.Snapshot {
	file := func(g netstats.Group, f string) netstats.Group { g.File = f; return g }
	return &netstats.Snapshot{Groups: []netstats.Group{
		file(group("Ip", "Forwarding 1 DefaultTTL 64 InReceives 10 InHdrErrors 0 ForwDatagrams 0 InDiscards 0 InDelivers 10 OutRequests 10 OutTransmits 10"), "snmp"),
		file(group("Icmp", "InMsgs 0 InErrors 0 InCsumErrors 0 InDestUnreachs 0 OutMsgs 0 OutErrors 0 OutRateLimitGlobal 0 OutDestUnreachs 0 OutAddrMaskReps 0"), "snmp"),
		file(group("IcmpMsg", "OutType3 4"), "snmp"),
		file(group("Tcp", "RtoAlgorithm 1 RtoMin 200 RtoMax 120000 MaxConn -1 ActiveOpens 5 PassiveOpens 5 AttemptFails 0 EstabResets 0 CurrEstab 0 InSegs 20 OutSegs 20 RetransSegs 0 InErrs 0 OutRsts 0 InCsumErrors 0"), "snmp"),
		file(group("Udp", "InDatagrams 0 NoPorts 3 InErrors 0 OutDatagrams 3 RcvbufErrors 0 SndbufErrors 0 InCsumErrors 0"), "snmp"),
		file(group("UdpLite", "InDatagrams 0"), "snmp"),
		file(group("TcpExt", "TW 5 TCPHPHits 0 TCPPureAcks 0 TCPTimeouts 2 TCPAbortOnData 1"), "netstat"),
		file(group("IpExt", "InOctets 1000"), "netstat"),
		file(group("MPTcpExt", "MPCapableSYNRX 0"), "netstat"),
		file(group("Ip6", "InReceives 0 InDiscards 0 InDelivers 0 OutForwDatagrams 0 OutRequests 2 OutMcastPkts 2 InOctets 0"), "snmp6"),
		file(netstats.Group{Name: "Icmp6", Counters: []netstats.Counter{{Name: "InMsgs", Value: 0}, {Name: "OutMsgs", Value: 2},
			{Name: "InDestUnreachs", Value: 0}, {Name: "OutDestUnreachs", Value: 2}, {Name: "Icmp6OutType1", Value: 2}}}, "snmp6"),
		file(group("Udp6", "InDatagrams 0 NoPorts 0 InErrors 0 OutDatagrams 0 IgnoredMulti 0"), "snmp6"),
		file(group("UdpLite6", "InDatagrams 0"), "snmp6"),
		file(group("TCP", "inuse 0"), "sockstat"),
	}}
}

// TestLinuxNetToolsQuirks checks net-tools' layout where it surprises:
// the ICMP histogram titles with nothing under them, the lines printed
// even for 0 (packet headers predicted), the names its lookup misses
// (Forwarding, TCPTimeouts), IcmpMsg indented after Icmp, the -t, -u, -w,
// -4 and -6 selections. The expected outputs are what net-tools 2.10
// prints for these counters.
func TestLinuxNetToolsQuirks(t *testing.T) {
	s := quietSnapshot()
	tcp := `Tcp:
    5 active connection openings
    5 passive connection openings
    0 failed connection attempts
    0 connection resets received
    0 connections established
    20 segments received
    20 segments sent out
    0 segments retransmitted
    0 bad segments received
    0 resets sent
`
	unknown4 := "UdpLite:\n"
	ext := `TcpExt:
    5 TCP sockets finished time wait in fast timer
    0 packet headers predicted
    TCPTimeouts: 2
    1 connections reset due to unexpected data
IpExt:
    InOctets: 1000
MPTcpExt:
`
	ipIcmp := `Ip:
    Forwarding: 1
    10 total packets received
    0 forwarded
    0 incoming packets discarded
    10 incoming packets delivered
    10 requests sent out
    OutTransmits: 10
Icmp:
    0 ICMP messages received
    0 input ICMP message failed
    ICMP input histogram:
    0 ICMP messages sent
    0 ICMP messages failed
    ICMP output histogram:
IcmpMsg:
        OutType3: 4
`
	udp := `Udp:
    0 packets received
    3 packets to unknown port received
    0 packet receive errors
    3 packets sent
    0 receive buffer errors
    0 send buffer errors
`
	v6 := `Ip6:
    0 total packets received
    0 incoming packets discarded
    0 incoming packets delivered
    0 forwarded
    2 requests sent out
    2 outgoing multicast packets
`
	icmp6 := `Icmp6:
    0 ICMP messages received
    2 ICMP messages sent
    ICMP input histogram:
        ICMP output histogram:
        destination unreachable: 2
        Icmp6OutType1: 2
`
	udp6 := `Udp6:
    0 packets received
    0 packets to unknown port received
    0 packet receive errors
    0 packets sent
`
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"-s", Options{}, ipIcmp + tcp + udp + unknown4 + ext},
		{"-st", Options{Kinds: KindTCP}, "IcmpMsg:\n    OutType3: 4\n" + tcp + unknown4 + ext},
		{"-su", Options{Kinds: KindUDP}, "IcmpMsg:\n    OutType3: 4\n" + udp + unknown4 + "IpExt:\n    InOctets: 1000\nMPTcpExt:\n"},
		{"-sw", Options{Kinds: KindRaw}, ipIcmp + unknown4 + "IpExt:\n    InOctets: 1000\nMPTcpExt:\n"},
		{"-s4", Options{Families: FamilyV4}, ipIcmp + tcp + udp + unknown4 + ext},
		{"-s6", Options{Families: FamilyV6}, v6 + icmp6 + udp6 + "UdpLite6:\n" + tcp},
		{"-s6u", Options{Families: FamilyV6, Kinds: KindUDP}, udp6 + "UdpLite6:\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.Style = render.Linux
			got := string(render1(t, s, nil, tc.o))
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// TestLinuxNonZero: with NonZero the lines net-tools prints for 0 go.
func TestLinuxNonZero(t *testing.T) {
	got := string(render1(t, quietSnapshot(), nil, Options{Style: render.Linux, Kinds: KindTCP, NonZero: true}))
	for _, gone := range []string{"0 failed connection attempts", "0 packet headers predicted", "0 resets sent"} {
		if strings.Contains(got, gone) {
			t.Errorf("NonZero kept %q:\n%s", gone, got)
		}
	}
	for _, kept := range []string{"5 active connection openings", "TCPTimeouts: 2", "Tcp:\n", "MPTcpExt:\n"} {
		if !strings.Contains(got, kept) {
			t.Errorf("NonZero lost %q:\n%s", kept, got)
		}
	}
}
