package statsview

import (
	"bufio"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/netstats"
)

// sentences are net-tools' netstat -s wordings (statistics.c), written
// here from its output, with "#" standing for the value. A counter with
// no sentence prints "Name: value".
var sentences = map[string]map[string]string{
	"Ip": {
		"InReceives": "# total packets received", "InHdrErrors": "# with invalid headers",
		"InAddrErrors": "# with invalid addresses", "ForwDatagrams": "# forwarded",
		"InUnknownProtos": "# with unknown protocol", "InDiscards": "# incoming packets discarded",
		"InDelivers": "# incoming packets delivered", "OutRequests": "# requests sent out",
		"OutDiscards": "# outgoing packets dropped", "OutNoRoutes": "# dropped because of missing route",
		"ReasmTimeout": "# fragments dropped after timeout", "ReasmReqds": "# reassemblies required",
		"ReasmOKs": "# packets reassembled ok", "ReasmFails": "# packet reassembles failed",
		"FragOKs": "# fragments received ok", "FragFails": "# fragments failed",
		"FragCreates": "# fragments created",
	},
	"Icmp": {
		"InMsgs": "# ICMP messages received", "InErrors": "# input ICMP message failed",
		"OutMsgs": "# ICMP messages sent", "OutErrors": "# ICMP messages failed",
	},
	"Tcp": {
		"ActiveOpens": "# active connection openings", "PassiveOpens": "# passive connection openings",
		"AttemptFails": "# failed connection attempts", "EstabResets": "# connection resets received",
		"CurrEstab": "# connections established", "InSegs": "# segments received",
		"OutSegs": "# segments sent out", "RetransSegs": "# segments retransmitted",
		"InErrs": "# bad segments received", "OutRsts": "# resets sent",
	},
	"Udp": {
		"InDatagrams": "# packets received", "NoPorts": "# packets to unknown port received",
		"InErrors": "# packet receive errors", "OutDatagrams": "# packets sent",
		"RcvbufErrors": "# receive buffer errors", "SndbufErrors": "# send buffer errors",
	},
	"TcpExt": {
		"SyncookiesSent": "# SYN cookies sent", "SyncookiesRecv": "# SYN cookies received",
		"SyncookiesFailed":  "# invalid SYN cookies received",
		"EmbryonicRsts":     "# resets received for embryonic SYN_RECV sockets",
		"PruneCalled":       "# packets pruned from receive queue because of socket buffer overrun",
		"OutOfWindowIcmps":  "# ICMP packets dropped because they were out-of-window",
		"LockDroppedIcmps":  "# ICMP packets dropped because socket was locked",
		"TW":                "# TCP sockets finished time wait in fast timer",
		"PAWSEstab":         "# packets rejected in established connections because of timestamp",
		"DelayedACKs":       "# delayed acks sent",
		"DelayedACKLocked":  "# delayed acks further delayed because of locked socket",
		"DelayedACKLost":    "Quick ack mode was activated # times",
		"ListenOverflows":   "# times the listen queue of a socket overflowed",
		"ListenDrops":       "# SYNs to LISTEN sockets dropped",
		"TCPHPHits":         "# packet headers predicted",
		"TCPPureAcks":       "# acknowledgments not containing data payload received",
		"TCPHPAcks":         "# predicted acknowledgments",
		"TCPTimeouts":       "# other TCP timeouts",
		"TCPAbortOnData":    "# connections reset due to unexpected data",
		"TCPAbortOnClose":   "# connections reset due to early user close",
		"TCPAbortOnTimeout": "# connections aborted due to timeout",
	},
}

// alwaysPrinted are the sentences net-tools prints even for 0; every
// other counter is printed only when it is not 0, as net-tools does.
var alwaysPrinted = map[string]bool{
	"Ip InReceives": true, "Ip ForwDatagrams": true, "Ip InDiscards": true, "Ip InDelivers": true, "Ip OutRequests": true,
	"Icmp InMsgs": true, "Icmp InErrors": true, "Icmp OutMsgs": true, "Icmp OutErrors": true,
	"Tcp ActiveOpens": true, "Tcp PassiveOpens": true, "Tcp AttemptFails": true, "Tcp EstabResets": true,
	"Tcp CurrEstab": true, "Tcp InSegs": true, "Tcp OutSegs": true, "Tcp RetransSegs": true,
	"Tcp InErrs": true, "Tcp OutRsts": true,
	"Udp InDatagrams": true, "Udp NoPorts": true, "Udp InErrors": true, "Udp OutDatagrams": true,
	"Udp RcvbufErrors": true, "Udp SndbufErrors": true,
}

// linuxHidden are the settings net-tools reads but never prints.
var linuxHidden = map[string]bool{
	"Ip DefaultTTL": true, "Tcp RtoAlgorithm": true, "Tcp RtoMin": true, "Tcp RtoMax": true, "Tcp MaxConn": true,
}

// icmpTypes names the ICMP types of net-tools' histograms.
var icmpTypes = map[string]string{
	"DestUnreachs": "destination unreachable", "TimeExcds": "timeout in transit",
	"ParmProbs": "wrong parameters", "SrcQuenchs": "source quenches", "Redirects": "redirects",
	"Echos": "echo requests", "EchoReps": "echo replies", "Timestamps": "timestamp request",
	"TimestampReps": "timestamp reply", "AddrMasks": "address mask request", "AddrMaskReps": "address mask replies",
}

// linuxSkipped are the groups net-tools leaves out without -p: it prints
// those of /proc/net/snmp and /proc/net/netstat; snmp6 and sockstat are
// printed only when -p selects them. Tcp6 (Windows only) is an IPv6
// group like the others.
var linuxSkipped = map[string]bool{
	"Ip6": true, "Icmp6": true, "Tcp6": true, "Udp6": true, "UdpLite6": true, "Snmp6": true,
	"sockets": true, "TCP": true, "UDP": true, "UDPLITE": true, "RAW": true, "FRAG": true,
	"TCP6": true, "UDP6": true, "UDPLITE6": true, "RAW6": true, "FRAG6": true,
}

// writeLinux prints net-tools' netstat -s prose for groups.
func writeLinux(w *bufio.Writer, groups []netstats.Group, o *Options) {
	for _, g := range groups {
		if len(o.Protos) == 0 && linuxSkipped[g.Name] {
			continue
		}
		w.WriteString(g.Name + ":\n")
		if g.Name == "Tcp" && o.oneTCPSetNote() {
			w.WriteString("    " + tcpNote("") + "\n")
		}
		switch g.Name {
		case "Icmp":
			writeLinuxIcmp(w, g)
		case "IcmpMsg":
			for _, c := range g.Counters {
				w.WriteString("        " + c.Name + ": " + strconv.FormatInt(c.Value, 10) + "\n")
			}
		default:
			for _, c := range g.Counters {
				writeLinuxCounter(w, g.Name, c)
			}
		}
	}
}

func writeLinuxCounter(w *bufio.Writer, group string, c netstats.Counter) {
	if group == "Ip" && c.Name == "Forwarding" {
		w.WriteString("    Forwarding: " + strconv.FormatInt(c.Value, 10) + "\n")
		return
	}
	if linuxHidden[group+" "+c.Name] || c.Value == 0 && !alwaysPrinted[group+" "+c.Name] {
		return
	}
	v := strconv.FormatInt(c.Value, 10)
	if s, ok := sentences[group][c.Name]; ok {
		w.WriteString("    " + strings.Replace(s, "#", v, 1) + "\n")
		return
	}
	w.WriteString("    " + c.Name + ": " + v + "\n")
}

// writeLinuxIcmp prints the Icmp group as net-tools does: the totals and
// a histogram of the non-zero per-type counters in each direction.
func writeLinuxIcmp(w *bufio.Writer, g netstats.Group) {
	get := func(n string) (int64, bool) {
		for _, c := range g.Counters {
			if c.Name == n {
				return c.Value, true
			}
		}
		return 0, false
	}
	histogram := func(dir, title string) {
		var lines []string
		for _, c := range g.Counters {
			name, ok := strings.CutPrefix(c.Name, dir)
			if t, known := icmpTypes[name]; ok && known && c.Value != 0 {
				lines = append(lines, "        "+t+": "+strconv.FormatInt(c.Value, 10)+"\n")
			}
		}
		if len(lines) > 0 {
			w.WriteString("    " + title + "\n" + strings.Join(lines, ""))
		}
	}
	for _, pair := range [][2]string{{"InMsgs", "InErrors"}, {"OutMsgs", "OutErrors"}} {
		for _, n := range pair {
			if v, ok := get(n); ok {
				writeLinuxCounter(w, "Icmp", netstats.Counter{Name: n, Value: v})
			}
		}
		if pair[0] == "InMsgs" {
			histogram("In", "ICMP input histogram:")
		} else {
			histogram("Out", "ICMP output histogram:")
		}
	}
	for _, c := range g.Counters {
		switch c.Name {
		case "InMsgs", "InErrors", "OutMsgs", "OutErrors":
			continue
		}
		n := strings.TrimPrefix(strings.TrimPrefix(c.Name, "In"), "Out")
		if _, hist := icmpTypes[n]; hist {
			continue
		}
		writeLinuxCounter(w, "Icmp", c)
	}
}
