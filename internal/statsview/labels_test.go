package statsview

import (
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/i18n"
)

// TestModernLabelsAreWindows: in the default layout a counter Windows
// netstat shows carries Windows' own label (the words users of Windows
// netstat know, and search for), in both languages, with the kernel's name
// on the same line.
func TestModernLabelsAreWindows(t *testing.T) {
	for _, lang := range []string{"", "zh_CN.UTF-8"} {
		check := func(proto, group string, ls []winLine) {
			out := string(render1(t, referenceSnapshot(), nil, Options{Lang: lang, Protos: []string{proto}}))
			for _, l := range ls {
				if l.counter == "" || l.counter == "RoutingDiscards" {
					continue
				}
				label := i18n.T(lang, l.key)
				if got := counterLabel(catalog(lang), group, l.counter); got != label {
					t.Errorf("%s %s %s: label %q, Windows says %q", lang, group, l.counter, got, label)
				}
				found := false
				for _, line := range strings.Split(out, "\n") {
					f := strings.Fields(line)
					found = found || strings.HasPrefix(strings.TrimSpace(line), label+" ") && len(f) >= 2 && f[len(f)-2] == l.counter
				}
				if !found {
					t.Errorf("%s -p %s: no line %q ... %s ... in\n%s", lang, proto, label, l.counter, out)
				}
			}
		}
		check("tcp", "Tcp", tcpLines)
		check("udp", "Udp", udpLines)
		check("udpv6", "Udp6", udpLines)
		check("ip", "Ip", ipLines)
	}
}

// TestModernChineseTCP is what a user sees with LANG=zh_CN.UTF-8 and -s
// -p tcp: the reference document's labels, each beside the kernel name.
func TestModernChineseTCP(t *testing.T) {
	out := string(render1(t, referenceSnapshot(), nil, Options{Lang: "zh_CN.UTF-8", Protos: []string{"tcp"}}))
	for _, want := range []string{
		"  主动开放                  ActiveOpens     1732\n",
		"  被动开放                  PassiveOpens      12\n",
		"  失败的连接尝试            AttemptFails       3\n",
		"  重置连接                  EstabResets        5\n",
		"  当前连接                  CurrEstab          2\n",
		"  接收的分段                InSegs         29856\n",
		"  发送的分段                OutSegs        25324\n",
		"  重新传输的分段            RetransSegs       96\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

func TestCounterLabel(t *testing.T) {
	for _, tc := range []struct{ lang, group, name, want string }{
		{"en", "IcmpMsg", "InType3", "Type 3 Received (destination unreachable)"},
		{"zh", "IcmpMsg", "OutType8", "发送的类型 8（回显请求）"},
		{"en", "IcmpMsg", "OutType200", "Type 200 Sent"},
		{"en", "Icmp6", "Icmp6OutType135", "Type 135 Sent (neighbor solicitation)"},
		{"en", "Icmp6", "InPktTooBigs", "Packet Too Big Received"},
		{"en", "Icmp6", "InMsgs", "Messages Received"},
		{"en", "Ip6", "InOctets", "Bytes Received"},
		{"en", "UdpLite6", "NoPorts", "No Ports"},
		{"zh", "TCP6", "inuse", "使用中"},
		{"en", "TcpExt", "TCPFutureCounter", ""},
		{"en", "IcmpMsg", "InTypeX", ""},
		{"en", "Icmp6", "Icmp6InType999", ""},
	} {
		if got := counterLabel(tc.lang, tc.group, tc.name); got != tc.want {
			t.Errorf("counterLabel(%s, %s, %s) = %q, want %q", tc.lang, tc.group, tc.name, got, tc.want)
		}
	}
}
