package statsview

import (
	"strings"
	"time"

	"github.com/sockscope/sockscope/internal/netstats"
)

// captureSnapshot returns a snapshot holding the numbers of a Windows
// netstat -s capture (testdata/README.md cites it), put under the Linux
// counters each Windows label shows (docs/stats.md), plus TcpExt, IpExt,
// sockstat and a group no kernel has yet, to check that none is dropped.
func captureSnapshot() *netstats.Snapshot {
	return &netstats.Snapshot{
		Time: time.Date(2026, 11, 25, 21, 44, 9, 0, time.UTC),
		Groups: []netstats.Group{
			group("Ip", "Forwarding 2 DefaultTTL 64 InReceives 60090845 InHdrErrors 0 InAddrErrors 0 ForwDatagrams 0 InUnknownProtos 0 InDiscards 25269 InDelivers 60259935 OutRequests 30189260 OutDiscards 21685 OutNoRoutes 403 ReasmTimeout 0 ReasmReqds 3 ReasmOKs 1 ReasmFails 0 FragOKs 0 FragFails 0 FragCreates 0 OutTransmits 30189260"),
			group("Icmp", "InMsgs 16443 InErrors 0 InCsumErrors 0 InDestUnreachs 16442 InTimeExcds 1 InParmProbs 0 InSrcQuenchs 0 InRedirects 0 InEchos 0 InEchoReps 0 InTimestamps 0 InTimestampReps 0 InAddrMasks 0 InAddrMaskReps 0 OutMsgs 22923 OutErrors 0 OutRateLimitGlobal 0 OutRateLimitHost 0 OutDestUnreachs 22923 OutTimeExcds 0 OutParmProbs 0 OutSrcQuenchs 0 OutRedirects 0 OutEchos 0 OutEchoReps 0 OutTimestamps 0 OutTimestampReps 0 OutAddrMasks 0 OutAddrMaskReps 0"),
			group("IcmpMsg", "InType3 16442 InType11 1 OutType3 22923"),
			group("Tcp", "RtoAlgorithm 1 RtoMin 200 RtoMax 120000 MaxConn -1 ActiveOpens 64644 PassiveOpens 7674 AttemptFails 5800 EstabResets 12164 CurrEstab 24 InSegs 19099006 OutSegs 18364045 RetransSegs 24199 InErrs 0 OutRsts 3120 InCsumErrors 0"),
			group("Udp", "InDatagrams 53860170 NoPorts 25351 InErrors 26 OutDatagrams 24325877 RcvbufErrors 26 SndbufErrors 0 InCsumErrors 0 IgnoredMulti 0 MemErrors 0"),
			group("UdpLite", "InDatagrams 0 NoPorts 0 InErrors 0 OutDatagrams 0 RcvbufErrors 0 SndbufErrors 0 InCsumErrors 0 IgnoredMulti 0 MemErrors 0"),
			group("TcpExt", "SyncookiesSent 0 EmbryonicRsts 2 PruneCalled 0 TW 4021 DelayedACKs 1500 ListenOverflows 7 ListenDrops 9 TCPTimeouts 31 TCPFutureCounter 5"),
			group("IpExt", "InNoRoutes 0 InOctets 123456789 OutOctets 98765432"),
			group("MPTcpExt", "MPCapableSYNRX 0"),
			group("Ip6", "InReceives 154566 InHdrErrors 0 InTooBigErrors 0 InNoRoutes 0 InAddrErrors 1262 InUnknownProtos 0 InTruncatedPkts 0 InDiscards 5824 InDelivers 175651 OutForwDatagrams 0 OutRequests 190416 OutDiscards 3039 OutNoRoutes 0 ReasmTimeout 0 ReasmReqds 0 ReasmOKs 0 ReasmFails 0 FragOKs 0 FragFails 0 FragCreates 0"),
			group("Icmp6", "InMsgs 19333 InErrors 0 OutMsgs 36465 OutErrors 0 InDestUnreachs 499 InPktTooBigs 0 InTimeExcds 0 InParmProblems 0 InEchos 0 InEchoReplies 0 InGroupMembQueries 0 InGroupMembResponses 0 InGroupMembReductions 0 InRouterSolicits 0 InRouterAdvertisements 1500 InNeighborSolicits 8344 InNeighborAdvertisements 8990 InRedirects 0 OutDestUnreachs 4590 OutPktTooBigs 0 OutTimeExcds 0 OutParmProblems 0 OutEchos 0 OutEchoReplies 0 OutGroupMembQueries 0 OutGroupMembResponses 0 OutGroupMembReductions 0 OutRouterSolicits 212 OutRouterAdvertisements 0 OutNeighborSolicits 23234 OutNeighborAdvertisements 8429 OutRedirects 0 Icmp6InType134 1500"),
			group("Udp6", "InDatagrams 234072 NoPorts 5641 InErrors 9 OutDatagrams 147179 RcvbufErrors 0 SndbufErrors 0"),
			group("UdpLite6", "InDatagrams 0 NoPorts 0"),
			group("sockets", "used 11"),
			group("TCP", "inuse 1 orphan 0 tw 0 alloc 1 mem 0"),
			group("TCP6", "inuse 0"),
		},
	}
}

// referenceSnapshot is captureSnapshot with the Tcp numbers of the
// reference document's Chinese capture: Active Opens 1732.
func referenceSnapshot() *netstats.Snapshot {
	s := captureSnapshot()
	for i := range s.Groups {
		if s.Groups[i].Name == "Tcp" {
			s.Groups[i] = group("Tcp", "RtoAlgorithm 1 RtoMin 200 RtoMax 120000 MaxConn -1 ActiveOpens 1732 PassiveOpens 12 AttemptFails 3 EstabResets 5 CurrEstab 2 InSegs 29856 OutSegs 25324 RetransSegs 96 InErrs 0 OutRsts 8 InCsumErrors 0")
		}
	}
	return s
}

// group builds a Group from "Name value Name value ...".
func group(name, pairs string) netstats.Group {
	f := strings.Fields(pairs)
	g := netstats.Group{Name: name}
	for i := 0; i+1 < len(f); i += 2 {
		v := int64(0)
		neg := strings.HasPrefix(f[i+1], "-")
		for _, c := range strings.TrimPrefix(f[i+1], "-") {
			v = v*10 + int64(c-'0')
		}
		if neg {
			v = -v
		}
		g.Counters = append(g.Counters, netstats.Counter{Name: f[i], Value: v})
	}
	return g
}

// laterSnapshot is captureSnapshot two seconds later, after 5 active
// opens and 3 datagrams to closed ports.
func laterSnapshot() *netstats.Snapshot {
	s := captureSnapshot()
	s.Time = s.Time.Add(2 * time.Second)
	for i := range s.Groups {
		for j := range s.Groups[i].Counters {
			c := &s.Groups[i].Counters[j]
			switch s.Groups[i].Name + " " + c.Name {
			case "Tcp ActiveOpens", "Tcp OutSegs":
				c.Value += 5
			case "Udp NoPorts":
				c.Value += 3
			case "Tcp CurrEstab":
				c.Value -= 2
			}
		}
	}
	return s
}
