package statsview

import (
	"bufio"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/netstats"
)

// A winLine is one "label = value" line of a Windows section: the label
// in English and Chinese and the counter it shows ("" for a counter Linux
// does not keep, printed as 0).
type winLine struct {
	en, zh, counter string
}

// A winRow is one line of an ICMP section: a label and the counters of the
// Received and Sent columns, each "Group Name".
type winRow struct {
	en, zh, in, out string
}

// ipLines are the lines of "IPv4 Statistics" and "IPv6 Statistics"; the
// IPv6 counter is the IPv4 one except where ip6Counter says.
var ipLines = []winLine{
	{"Packets Received", "接收的数据包", "InReceives"},
	{"Received Header Errors", "接收的标头错误", "InHdrErrors"},
	{"Received Address Errors", "接收的地址错误", "InAddrErrors"},
	{"Datagrams Forwarded", "转发的数据报", "ForwDatagrams"},
	{"Unknown Protocols Received", "接收的未知协议", "InUnknownProtos"},
	{"Received Packets Discarded", "丢弃的接收数据包", "InDiscards"},
	{"Received Packets Delivered", "传送的接收数据包", "InDelivers"},
	{"Output Requests", "输出请求", "OutRequests"},
	{"Routing Discards", "路由丢弃", ""},
	{"Discarded Output Packets", "丢弃的输出数据包", "OutDiscards"},
	{"Output Packet No Route", "输出数据包无路由", "OutNoRoutes"},
	{"Reassembly Required", "需要重新组合", "ReasmReqds"},
	{"Reassembly Successful", "重新组合成功", "ReasmOKs"},
	{"Reassembly Failures", "重新组合失败", "ReasmFails"},
	{"Datagrams Successfully Fragmented", "分段成功的数据报", "FragOKs"},
	{"Datagrams Failing Fragmentation", "分段失败的数据报", "FragFails"},
	{"Fragments Created", "创建的分段", "FragCreates"},
}

var ip6Counter = map[string]string{"ForwDatagrams": "OutForwDatagrams"}

var tcpLines = []winLine{
	{"Active Opens", "主动开放", "ActiveOpens"},
	{"Passive Opens", "被动开放", "PassiveOpens"},
	{"Failed Connection Attempts", "失败的连接尝试", "AttemptFails"},
	{"Reset Connections", "重置连接", "EstabResets"},
	{"Current Connections", "当前连接", "CurrEstab"},
	{"Segments Received", "接收的分段", "InSegs"},
	{"Segments Sent", "发送的分段", "OutSegs"},
	{"Segments Retransmitted", "重新传输的分段", "RetransSegs"},
}

var udpLines = []winLine{
	{"Datagrams Received", "接收的数据报", "InDatagrams"},
	{"No Ports", "无端口", "NoPorts"},
	{"Receive Errors", "接收错误", "InErrors"},
	{"Datagrams Sent", "发送的数据报", "OutDatagrams"},
}

var icmp4Rows = []winRow{
	{"Messages", "消息", "Icmp InMsgs", "Icmp OutMsgs"},
	{"Errors", "错误", "Icmp InErrors", "Icmp OutErrors"},
	{"Destination Unreachable", "无法到达目标", "Icmp InDestUnreachs", "Icmp OutDestUnreachs"},
	{"Time Exceeded", "超时", "Icmp InTimeExcds", "Icmp OutTimeExcds"},
	{"Parameter Problems", "参数问题", "Icmp InParmProbs", "Icmp OutParmProbs"},
	{"Source Quenches", "源抑制", "Icmp InSrcQuenchs", "Icmp OutSrcQuenchs"},
	{"Redirects", "重定向", "Icmp InRedirects", "Icmp OutRedirects"},
	{"Echo Replies", "回显应答", "Icmp InEchoReps", "Icmp OutEchoReps"},
	{"Echos", "回显", "Icmp InEchos", "Icmp OutEchos"},
	{"Timestamps", "时间戳", "Icmp InTimestamps", "Icmp OutTimestamps"},
	{"Timestamp Replies", "时间戳应答", "Icmp InTimestampReps", "Icmp OutTimestampReps"},
	{"Address Masks", "地址掩码", "Icmp InAddrMasks", "Icmp OutAddrMasks"},
	{"Address Mask Replies", "地址掩码应答", "Icmp InAddrMaskReps", "Icmp OutAddrMaskReps"},
	{"Router Solicitations", "路由器请求", "IcmpMsg InType10", "IcmpMsg OutType10"},
	{"Router Advertisements", "路由器公告", "IcmpMsg InType9", "IcmpMsg OutType9"},
}

var icmp6Rows = []winRow{
	{"Messages", "消息", "Icmp6 InMsgs", "Icmp6 OutMsgs"},
	{"Errors", "错误", "Icmp6 InErrors", "Icmp6 OutErrors"},
	{"Destination Unreachable", "无法到达目标", "Icmp6 InDestUnreachs", "Icmp6 OutDestUnreachs"},
	{"Packet Too Big", "数据包太大", "Icmp6 InPktTooBigs", "Icmp6 OutPktTooBigs"},
	{"Time Exceeded", "超时", "Icmp6 InTimeExcds", "Icmp6 OutTimeExcds"},
	{"Parameter Problems", "参数问题", "Icmp6 InParmProblems", "Icmp6 OutParmProblems"},
	{"Echos", "回显", "Icmp6 InEchos", "Icmp6 OutEchos"},
	{"Echo Replies", "回显应答", "Icmp6 InEchoReplies", "Icmp6 OutEchoReplies"},
	{"MLD Queries", "MLD 查询", "Icmp6 InGroupMembQueries", "Icmp6 OutGroupMembQueries"},
	{"MLD Reports", "MLD 报告", "Icmp6 InGroupMembResponses", "Icmp6 OutGroupMembResponses"},
	{"MLD Dones", "MLD 完成", "Icmp6 InGroupMembReductions", "Icmp6 OutGroupMembReductions"},
	{"Router Solicitations", "路由器请求", "Icmp6 InRouterSolicits", "Icmp6 OutRouterSolicits"},
	{"Router Advertisements", "路由器公告", "Icmp6 InRouterAdvertisements", "Icmp6 OutRouterAdvertisements"},
	{"Neighbor Solicitations", "邻居请求", "Icmp6 InNeighborSolicits", "Icmp6 OutNeighborSolicits"},
	{"Neighbor Advertisements", "邻居公告", "Icmp6 InNeighborAdvertisements", "Icmp6 OutNeighborAdvertisements"},
	{"Redirects", "重定向", "Icmp6 InRedirects", "Icmp6 OutRedirects"},
	{"Router Renumberings", "路由器重新编号", "Icmp6 Icmp6InType138", "Icmp6 Icmp6OutType138"},
}

// winTitles are the section titles, English then Chinese.
var winTitles = map[string][2]string{
	"ip":     {"IPv4 Statistics", "IPv4 统计信息"},
	"ipv6":   {"IPv6 Statistics", "IPv6 统计信息"},
	"icmp":   {"ICMPv4 Statistics", "ICMPv4 统计信息"},
	"icmpv6": {"ICMPv6 Statistics", "ICMPv6 统计信息"},
	"tcp":    {"TCP Statistics for IPv4", "IPv4 的 TCP 统计信息"},
	"tcpv6":  {"TCP Statistics for IPv6", "IPv6 的 TCP 统计信息"},
	"udp":    {"UDP Statistics for IPv4", "IPv4 的 UDP 统计信息"},
	"udpv6":  {"UDP Statistics for IPv6", "IPv6 的 UDP 统计信息"},
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
	zh := chinese(o.Lang)
	title := func(p string) {
		t := winTitles[p][0]
		if zh {
			t = winTitles[p][1]
		}
		w.WriteString("\n" + t + "\n\n")
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
			label := l.en
			if zh {
				label = l.zh
			}
			w.WriteString("  " + pad(label, width) + "= " + strconv.FormatInt(v, 10) + "\n")
		}
	}
	rows := func(rs []winRow) {
		head := [2]string{"Received", "Sent"}
		if zh {
			head = [2]string{"已接收", "已发送"}
		}
		w.WriteString("  " + pad("", icmpLabelWidth) + pad(head[0], icmpColWidth+2) + head[1] + "\n")
		for _, r := range rs {
			label := r.en
			if zh {
				label = r.zh
			}
			in, out := getRef(s, r.in), getRef(s, r.out)
			w.WriteString("  " + pad(label, icmpLabelWidth) + pad(strconv.FormatInt(in, 10), icmpColWidth+2) + strconv.FormatInt(out, 10) + "\n")
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
	if o.wants("tcpv6") && has("Tcp") {
		title("tcpv6")
		if tcp4 {
			// The numbers are already above: printing them again would
			// make a sum of both sections count every connection twice.
			w.WriteString("  " + tcpSeeAbove(zh) + "\n")
		} else {
			w.WriteString("  " + tcpNote(o.Lang) + "\n\n")
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

// tcpSeeAbove is the body of "TCP Statistics for IPv6" when the IPv4
// section is printed too.
func tcpSeeAbove(zh bool) string {
	if zh {
		return "Linux 的 IPv4 和 IPv6 共用一组 TCP 计数器，见上方“IPv4 的 TCP 统计信息”。"
	}
	return "Linux keeps one TCP counter set for IPv4 and IPv6: see TCP Statistics for IPv4."
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

// pad returns s followed by spaces up to width terminal columns; a wide
// (CJK) character takes two columns. A longer s gets one space.
func pad(s string, width int) string {
	n := displayWidth(s)
	if n >= width {
		return s + " "
	}
	return s + strings.Repeat(" ", width-n)
}

// displayWidth returns the columns s takes on a terminal: two for East
// Asian wide characters (CJK, fullwidth forms), one for the others.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r >= 0x1100 && r <= 0x115F, r >= 0x2E80 && r <= 0xA4CF, r >= 0xAC00 && r <= 0xD7A3,
			r >= 0xF900 && r <= 0xFAFF, r >= 0xFE30 && r <= 0xFE4F, r >= 0xFF00 && r <= 0xFF60, r >= 0xFFE0 && r <= 0xFFE6:
			n += 2
		default:
			n++
		}
	}
	return n
}
