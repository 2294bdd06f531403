package statsview

import (
	"bufio"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// A winLine is one "label = value" line of a Windows section: the i18n
// key of the label and the counter it shows ("" for a counter no system
// keeps, printed as 0; a counter the snapshot lacks is printed as 0 too).
type winLine struct {
	key, counter string
}

// A winRow is one line of an ICMP section: the i18n key of its label and
// the counters of the Received and Sent columns, each "Group Name".
type winRow struct {
	key, in, out string
}

// ipLines are the lines of "IPv4 Statistics" and "IPv6 Statistics"; the
// IPv6 counter is the IPv4 one except where ip6Counter says.
// RoutingDiscards is a Windows counter (MIB_IPSTATS dwRoutingDiscards):
// Linux has none, so it prints 0 there.
var ipLines = []winLine{
	{"stats.win.packets_received", "InReceives"},
	{"stats.win.received_header_errors", "InHdrErrors"},
	{"stats.win.received_address_errors", "InAddrErrors"},
	{"stats.win.datagrams_forwarded", "ForwDatagrams"},
	{"stats.win.unknown_protocols_received", "InUnknownProtos"},
	{"stats.win.received_packets_discarded", "InDiscards"},
	{"stats.win.received_packets_delivered", "InDelivers"},
	{"stats.win.output_requests", "OutRequests"},
	{"stats.win.routing_discards", "RoutingDiscards"},
	{"stats.win.discarded_output_packets", "OutDiscards"},
	{"stats.win.output_packet_no_route", "OutNoRoutes"},
	{"stats.win.reassembly_required", "ReasmReqds"},
	{"stats.win.reassembly_successful", "ReasmOKs"},
	{"stats.win.reassembly_failures", "ReasmFails"},
	{"stats.win.datagrams_successfully_fragmented", "FragOKs"},
	{"stats.win.datagrams_failing_fragmentation", "FragFails"},
	{"stats.win.fragments_created", "FragCreates"},
}

var ip6Counter = map[string]string{"ForwDatagrams": "OutForwDatagrams"}

var tcpLines = []winLine{
	{"stats.win.active_opens", "ActiveOpens"},
	{"stats.win.passive_opens", "PassiveOpens"},
	{"stats.win.failed_connection_attempts", "AttemptFails"},
	{"stats.win.reset_connections", "EstabResets"},
	{"stats.win.current_connections", "CurrEstab"},
	{"stats.win.segments_received", "InSegs"},
	{"stats.win.segments_sent", "OutSegs"},
	{"stats.win.segments_retransmitted", "RetransSegs"},
}

var udpLines = []winLine{
	{"stats.win.datagrams_received", "InDatagrams"},
	{"stats.win.no_ports", "NoPorts"},
	{"stats.win.receive_errors", "InErrors"},
	{"stats.win.datagrams_sent", "OutDatagrams"},
}

var icmp4Rows = []winRow{
	{"stats.win.messages", "Icmp InMsgs", "Icmp OutMsgs"},
	{"stats.win.errors", "Icmp InErrors", "Icmp OutErrors"},
	{"stats.win.destination_unreachable", "Icmp InDestUnreachs", "Icmp OutDestUnreachs"},
	{"stats.win.time_exceeded", "Icmp InTimeExcds", "Icmp OutTimeExcds"},
	{"stats.win.parameter_problems", "Icmp InParmProbs", "Icmp OutParmProbs"},
	{"stats.win.source_quenches", "Icmp InSrcQuenchs", "Icmp OutSrcQuenchs"},
	{"stats.win.redirects", "Icmp InRedirects", "Icmp OutRedirects"},
	{"stats.win.echo_replies", "Icmp InEchoReps", "Icmp OutEchoReps"},
	{"stats.win.echos", "Icmp InEchos", "Icmp OutEchos"},
	{"stats.win.timestamps", "Icmp InTimestamps", "Icmp OutTimestamps"},
	{"stats.win.timestamp_replies", "Icmp InTimestampReps", "Icmp OutTimestampReps"},
	{"stats.win.address_masks", "Icmp InAddrMasks", "Icmp OutAddrMasks"},
	{"stats.win.address_mask_replies", "Icmp InAddrMaskReps", "Icmp OutAddrMaskReps"},
	{"stats.win.router_solicitations", "IcmpMsg InType10", "IcmpMsg OutType10"},
	{"stats.win.router_advertisements", "IcmpMsg InType9", "IcmpMsg OutType9"},
}

var icmp6Rows = []winRow{
	{"stats.win.messages", "Icmp6 InMsgs", "Icmp6 OutMsgs"},
	{"stats.win.errors", "Icmp6 InErrors", "Icmp6 OutErrors"},
	{"stats.win.destination_unreachable", "Icmp6 InDestUnreachs", "Icmp6 OutDestUnreachs"},
	{"stats.win.packet_too_big", "Icmp6 InPktTooBigs", "Icmp6 OutPktTooBigs"},
	{"stats.win.time_exceeded", "Icmp6 InTimeExcds", "Icmp6 OutTimeExcds"},
	{"stats.win.parameter_problems", "Icmp6 InParmProblems", "Icmp6 OutParmProblems"},
	{"stats.win.echos", "Icmp6 InEchos", "Icmp6 OutEchos"},
	{"stats.win.echo_replies", "Icmp6 InEchoReplies", "Icmp6 OutEchoReplies"},
	{"stats.win.mld_queries", "Icmp6 InGroupMembQueries", "Icmp6 OutGroupMembQueries"},
	{"stats.win.mld_reports", "Icmp6 InGroupMembResponses", "Icmp6 OutGroupMembResponses"},
	{"stats.win.mld_dones", "Icmp6 InGroupMembReductions", "Icmp6 OutGroupMembReductions"},
	{"stats.win.router_solicitations", "Icmp6 InRouterSolicits", "Icmp6 OutRouterSolicits"},
	{"stats.win.router_advertisements", "Icmp6 InRouterAdvertisements", "Icmp6 OutRouterAdvertisements"},
	{"stats.win.neighbor_solicitations", "Icmp6 InNeighborSolicits", "Icmp6 OutNeighborSolicits"},
	{"stats.win.neighbor_advertisements", "Icmp6 InNeighborAdvertisements", "Icmp6 OutNeighborAdvertisements"},
	{"stats.win.redirects", "Icmp6 InRedirects", "Icmp6 OutRedirects"},
	{"stats.win.router_renumberings", "Icmp6 Icmp6InType138", "Icmp6 Icmp6OutType138"},
}

// winTitles are the i18n keys of the section titles.
var winTitles = map[string]string{
	"ip":     "stats.title.ip",
	"ipv6":   "stats.title.ipv6",
	"icmp":   "stats.title.icmp",
	"icmpv6": "stats.title.icmpv6",
	"tcp":    "stats.title.tcp",
	"tcpv6":  "stats.title.tcpv6",
	"udp":    "stats.title.udp",
	"udpv6":  "stats.title.udpv6",
}

// The columns where Windows puts " = " (after two spaces and the label)
// and the Received/Sent columns of the ICMP tables.
const (
	ipLabelWidth   = 35
	tcpLabelWidth  = 36
	udpLabelWidth  = 22
	icmpLabelWidth = 26
	icmpColWidth   = 10
)

// writeWindows prints the sections of Windows netstat -s for the
// protocols o selects. A section whose group the snapshot lacks (IPv6
// disabled) is left out.
func writeWindows(w *bufio.Writer, s *netstats.Snapshot, o *Options) {
	lang := catalog(o.Lang)
	// A title waits for the section's first line: with NonZero a section
	// whose lines are all 0 is left out whole.
	pending := ""
	title := func(p string) {
		pending = "\n" + i18n.T(lang, winTitles[p]) + "\n\n"
	}
	emit := func(line string) {
		w.WriteString(pending + line)
		pending = ""
	}
	lines := func(group string, ls []winLine, width int, rename map[string]string) {
		for _, l := range ls {
			c := l.counter
			if r, ok := rename[c]; ok {
				c = r
			}
			var v int64
			if c != "" {
				v, _ = s.Get(group, c)
			}
			if o.NonZero && v == 0 {
				continue
			}
			emit("  " + pad(i18n.T(lang, l.key), width) + "= " + strconv.FormatInt(v, 10) + "\n")
		}
	}
	rows := func(rs []winRow) {
		head := "  " + pad("", icmpLabelWidth) + pad(i18n.T(lang, "stats.icmp.received"), icmpColWidth+2) +
			i18n.T(lang, "stats.icmp.sent") + "\n"
		for _, r := range rs {
			in, out := getRef(s, r.in), getRef(s, r.out)
			if o.NonZero && in == 0 && out == 0 {
				continue
			}
			emit(head)
			head = ""
			emit("  " + pad(i18n.T(lang, r.key), icmpLabelWidth) + pad(strconv.FormatInt(in, 10), icmpColWidth+2) + strconv.FormatInt(out, 10) + "\n")
		}
	}
	has := func(g string) bool { return hasGroup(s, g) }
	if o.wants("ip") && has("Ip") {
		title("ip")
		lines("Ip", ipLines, ipLabelWidth, nil)
	}
	if o.wants("ipv6") && has("Ip6") {
		title("ipv6")
		lines("Ip6", ipLines, ipLabelWidth, ip6Counter)
	}
	if o.wants("icmp") && has("Icmp") {
		title("icmp")
		rows(icmp4Rows)
	}
	if o.wants("icmpv6") && has("Icmp6") {
		title("icmpv6")
		rows(icmp6Rows)
	}
	tcp4 := o.wants("tcp") && has("Tcp")
	if tcp4 {
		title("tcp")
		lines("Tcp", tcpLines, tcpLabelWidth, nil)
	}
	switch {
	case !o.wants("tcpv6"):
	case has("Tcp6"):
		// Windows keeps a TCP counter set per family.
		title("tcpv6")
		lines("Tcp6", tcpLines, tcpLabelWidth, nil)
	case has("Tcp"):
		// Linux keeps one set for both: there is no Tcp6.
		title("tcpv6")
		if tcp4 {
			// The numbers are already above: printing them again would
			// make a sum of both sections count every connection twice.
			emit("  " + i18n.T(lang, "stats.tcp.seeabove") + "\n")
		} else {
			emit("  " + tcpNote(o.Lang) + "\n\n")
			lines("Tcp", tcpLines, tcpLabelWidth, nil)
		}
	}
	if o.wants("udp") && has("Udp") {
		title("udp")
		lines("Udp", udpLines, udpLabelWidth, nil)
	}
	if o.wants("udpv6") && has("Udp6") {
		title("udpv6")
		lines("Udp6", udpLines, udpLabelWidth, nil)
	}
}

// getRef returns the value of a "Group Name" reference, 0 if absent.
func getRef(s *netstats.Snapshot, ref string) int64 {
	g, n, _ := strings.Cut(ref, " ")
	v, _ := s.Get(g, n)
	return v
}

func hasGroup(s *netstats.Snapshot, name string) bool {
	for _, g := range s.Groups {
		if g.Name == name {
			return true
		}
	}
	return false
}

// pad returns s followed by spaces up to width terminal columns, as
// textwidth counts them (a wide CJK character takes two). A longer s gets
// one space.
func pad(s string, width int) string {
	n := textwidth.String(s)
	if n >= width {
		return s + " "
	}
	return s + strings.Repeat(" ", width-n)
}
