package statsview

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/render"
)

// groupNames returns the groups a JSON rendering holds.
func groupNames(t *testing.T, o Options) []string {
	t.Helper()
	o.Format = render.JSON
	var doc struct {
		Groups []struct {
			Name     string
			Counters map[string]int64
		}
	}
	if err := json.Unmarshal(render1(t, captureSnapshot(), nil, o), &doc); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range doc.Groups {
		names = append(names, g.Name)
	}
	return names
}

// TestKindsFamilies: -t, -u, -w, -4, -6 with -s select the same groups in
// every layout but net-tools' (which follows net-tools: see linux_test.go).
func TestKindsFamilies(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"-t", Options{Kinds: KindTCP}, "Tcp TcpExt MPTcpExt"},
		{"-u", Options{Kinds: KindUDP}, "Udp UdpLite Udp6 UdpLite6"},
		{"-u -6", Options{Kinds: KindUDP, Families: FamilyV6}, "Udp6 UdpLite6"},
		{"-w", Options{Kinds: KindRaw}, "Ip Icmp IcmpMsg IpExt Ip6 Icmp6"},
		{"-w -4", Options{Kinds: KindRaw, Families: FamilyV4}, "Ip Icmp IcmpMsg IpExt"},
		{"-6", Options{Families: FamilyV6}, "Tcp TcpExt MPTcpExt Ip6 Icmp6 Udp6 UdpLite6"},
		{"-U", Options{Kinds: KindUDPLite}, "UdpLite UdpLite6"},
		{"-p tcp,udp -4", Options{Protos: []string{"tcp", "udp"}, Families: FamilyV4}, "Tcp Udp UdpLite TcpExt MPTcpExt"},
		{"-p tcp -u", Options{Protos: []string{"tcp"}, Kinds: KindUDP}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(groupNames(t, tc.o), " "); got != tc.want {
				t.Errorf("groups %q, want %q", got, tc.want)
			}
			if got := tc.o.SelectsNothing(); got != (tc.want == "") {
				t.Errorf("SelectsNothing = %v", got)
			}
		})
	}
	// The Windows layout: sections.
	out := string(render1(t, captureSnapshot(), nil, Options{Style: render.Windows, Kinds: KindTCP}))
	var titles []string
	for _, l := range strings.Split(out, "\n") {
		if l != "" && !strings.HasPrefix(l, " ") {
			titles = append(titles, l)
		}
	}
	if got := strings.Join(titles, "|"); got != "TCP Statistics for IPv4|TCP Statistics for IPv6" {
		t.Errorf("windows -t sections %q", got)
	}
	out = string(render1(t, captureSnapshot(), nil, Options{Style: render.Windows, Kinds: KindUDP, Families: FamilyV6}))
	if !strings.HasPrefix(out, "\nUDP Statistics for IPv6\n") || strings.Count(out, "Statistics") != 1 {
		t.Errorf("windows -u -6:\n%s", out)
	}
	if !(Options{Style: render.Windows, Kinds: KindUDPLite | KindSCTP}).SelectsNothing() {
		t.Error("the Windows layout has no UDP-Lite or SCTP section")
	}
	if (Options{Style: render.Windows, Kinds: KindUDPLite | KindUDP}).SelectsNothing() {
		t.Error("-U -u in the Windows layout shows the UDP sections")
	}
	if (Options{Style: render.Linux, Kinds: KindUDPLite, Families: FamilyV6}).SelectsNothing() {
		t.Error("net-tools' layout always prints something")
	}
}

// TestNonZero: zero counters, and groups or sections left empty, go in
// every layout.
func TestNonZero(t *testing.T) {
	s := captureSnapshot()
	for _, o := range []Options{{}, {Lang: "zh"}, {Format: render.CSV}, {Format: render.NDJSON}} {
		o.NonZero = true
		out := string(render1(t, s, nil, o))
		for _, gone := range []string{"InHdrErrors", "MPTcpExt", "UdpLite6", "MPCapableSYNRX", "udp receive errors/received"} {
			if strings.Contains(out, gone) {
				t.Errorf("%+v: NonZero kept %s:\n%s", o, gone, out)
			}
		}
		for _, kept := range []string{"ActiveOpens", "InReceives", "TCPFutureCounter", "inuse"} {
			if !strings.Contains(out, kept) {
				t.Errorf("%+v: NonZero lost %s:\n%s", o, kept, out)
			}
		}
	}
	out := string(render1(t, s, nil, Options{Style: render.Windows, NonZero: true}))
	for _, gone := range []string{"= 0\n", "Parameter Problems", "TCP Statistics for IPv6\n\n  Active"} {
		if strings.Contains(out, gone) {
			t.Errorf("windows NonZero kept %q:\n%s", gone, out)
		}
	}
	for _, kept := range []string{"Active Opens                        = 64644", "Destination Unreachable   16442       22923"} {
		if !strings.Contains(out, kept) {
			t.Errorf("windows NonZero lost %q:\n%s", kept, out)
		}
	}
	if got := groupNames(t, Options{NonZero: true}); slices.Contains(got, "MPTcpExt") || !slices.Contains(got, "Tcp") {
		t.Errorf("JSON NonZero groups %v", got)
	}
}

// TestTCPNoteOnlyForIPv6Alone: -t shows Linux's one TCP set as itself;
// only when IPv6 alone is asked for does it need saying that the set is
// shared.
func TestTCPNoteOnlyForIPv6Alone(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		note bool
	}{
		{Options{Kinds: KindTCP}, false},
		{Options{Protos: []string{"tcp", "tcpv6"}}, false},
		{Options{Kinds: KindTCP, Families: FamilyV6}, true},
		{Options{Protos: []string{"tcpv6"}}, true},
	} {
		out := string(render1(t, captureSnapshot(), nil, tc.o))
		if got := strings.Contains(out, "one TCP counter set"); got != tc.note {
			t.Errorf("%+v: note %v, want %v:\n%s", tc.o, got, tc.note, out)
		}
	}
}
